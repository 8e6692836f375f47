import BerthCore
import Foundation
import GRDB
import Snapshots

/// Snapshot records per namespace and snapshotter, with containerd's rules and messages.
extension MetadataStore {
    /// Records a new active or view snapshot on a committed parent and allocates its id; `lease` holds it
    /// from the same transaction on, so a crash cannot leave it unleased.
    public func createSnapshot(
        namespace: String, snapshotter: String, key: String, parent: String?, kind: SnapshotKind, labels: [String: String],
        lease: String? = nil
    ) async throws -> SnapshotChain {
        guard kind != .committed else {
            throw BerthError.invalidArgument("snapshot type \(kind.name) invalid; only snapshots of type Active or View can be created")
        }
        guard !key.isEmpty else { throw BerthError.invalidArgument("snapshot key must not be empty") }
        try Labels.validate(labels, field: "info.Labels")
        let encoded = try LabelCoding.encode(labels)
        return try await write { db in
            try Self.ensureNamespace(db, namespace)
            if try Self.snapshotRow(db, namespace, snapshotter, key) != nil {
                throw BerthError.alreadyExists("snapshot \"\(key)\"")
            }
            var parentIDs: [Int64] = []
            if let parent, !parent.isEmpty {
                guard let parentRecord = try Self.snapshotRow(db, namespace, snapshotter, parent) else {
                    throw BerthError.notFound("parent snapshot \(parent) does not exist")
                }
                guard parentRecord.kind == .committed else {
                    throw BerthError.invalidArgument("parent \"\(parent)\" is not committed snapshot")
                }
                parentIDs = try Self.chainIDs(db, namespace, snapshotter, from: parentRecord)
            }
            let now = Date().timeIntervalSince1970
            try db.executeCached(
                sql: """
                    INSERT INTO snapshots (namespace, snapshotter, key, parent, kind, labels, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [namespace, snapshotter, key, (parent?.isEmpty ?? true) ? nil : parent, kind.rawValue, encoded, now, now])
            guard let created = try Self.snapshotRow(db, namespace, snapshotter, key) else {
                throw BerthError(.unknown, "snapshot \(key) vanished after insert")
            }
            if let lease {
                try Self.addLeaseResource(db, namespace: namespace, lease: lease, type: "snapshots/\(snapshotter)", id: key)
            }
            return SnapshotChain(snapshot: created, parentIDs: parentIDs)
        }
    }

    public func snapshot(namespace: String, snapshotter: String, key: String) async throws -> SnapshotChain {
        try await read { db in
            guard let record = try Self.snapshotRow(db, namespace, snapshotter, key) else {
                throw BerthError.notFound("snapshot \(key) does not exist")
            }
            let parents = try record.parent.flatMap { try Self.snapshotRow(db, namespace, snapshotter, $0) }
            return SnapshotChain(snapshot: record, parentIDs: try parents.map { try Self.chainIDs(db, namespace, snapshotter, from: $0) } ?? [])
        }
    }

    public func snapshots(namespace: String, snapshotter: String) async throws -> [SnapshotRecord] {
        try await read { db in
            try db.fetchAll(
                "SELECT * FROM snapshots WHERE namespace = ? AND snapshotter = ? ORDER BY key", [namespace, snapshotter], Self.snapshotRecord)
        }
    }

    /// Turns active snapshot `key` into committed snapshot `name`, keeping its id (and so its files).
    /// `rebasedOnto` gives a snapshot prepared without a parent the committed parent it belongs on: for
    /// drivers whose layers do not depend on their parents' files, so layers can be applied in parallel.
    public func commitSnapshot(
        namespace: String, snapshotter: String, name: String, key: String, labels: [String: String], usage: SnapshotUsage,
        rebasedOnto parent: String? = nil, lease: String? = nil
    ) async throws -> SnapshotRecord {
        guard !name.isEmpty else { throw BerthError.invalidArgument("snapshot name must not be empty") }
        try Labels.validate(labels, field: "info.Labels")
        let encoded = try LabelCoding.encode(labels)
        return try await write { db in
            guard let active = try Self.snapshotRow(db, namespace, snapshotter, key) else {
                throw BerthError.notFound("snapshot \(key) does not exist")
            }
            guard active.kind == .active else {
                throw BerthError.failedPrecondition("snapshot \"\(key)\" is not active")
            }
            if try Self.snapshotRow(db, namespace, snapshotter, name) != nil {
                throw BerthError.alreadyExists("snapshot \"\(name)\"")
            }
            if let parent {
                guard active.parent == nil else {
                    throw BerthError.failedPrecondition("snapshot \"\(key)\" already has a parent")
                }
                guard let parentRecord = try Self.snapshotRow(db, namespace, snapshotter, parent) else {
                    throw BerthError.notFound("parent snapshot \(parent) does not exist")
                }
                guard parentRecord.kind == .committed else {
                    throw BerthError.invalidArgument("parent \"\(parent)\" is not committed snapshot")
                }
                try db.executeCached(sql: "UPDATE snapshots SET parent = ? WHERE id = ?", arguments: [parent, active.id])
            }
            let now = Date().timeIntervalSince1970
            try db.executeCached(
                sql: """
                    UPDATE snapshots SET key = ?, kind = ?, labels = ?, updated_at = ?, usage_size = ?, usage_inodes = ?
                    WHERE id = ?
                    """,
                arguments: [name, SnapshotKind.committed.rawValue, encoded, now, usage.size, usage.inodes, active.id])
            guard let committed = try Self.snapshotRow(db, namespace, snapshotter, name) else {
                throw BerthError(.unknown, "snapshot \(name) vanished after commit")
            }
            if let lease {
                try Self.addLeaseResource(db, namespace: namespace, lease: lease, type: "snapshots/\(snapshotter)", id: name)
            }
            return committed
        }
    }

    /// Removes the record of a snapshot without children; returns it so its files can go.
    public func removeSnapshot(namespace: String, snapshotter: String, key: String) async throws -> SnapshotRecord {
        try await write { db in
            guard let record = try Self.snapshotRow(db, namespace, snapshotter, key) else {
                throw BerthError.notFound("snapshot \(key) does not exist")
            }
            let hasChildren = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM snapshots WHERE namespace = ? AND snapshotter = ? AND parent = ?)"),
                arguments: [namespace, snapshotter, key]) ?? false
            if hasChildren { throw BerthError.failedPrecondition("cannot remove snapshot with child") }
            try db.executeCached(sql: "DELETE FROM snapshots WHERE id = ?", arguments: [record.id])
            return record
        }
    }

    public func updateSnapshot(
        namespace: String, snapshotter: String, key: String, labels update: [String: String], paths: [String]
    ) async throws -> SnapshotRecord {
        for path in paths where path != "labels" && !path.hasPrefix("labels.") {
            throw BerthError.invalidArgument("cannot update \"\(path)\" field on snapshot \"\(key)\"")
        }
        return try await write { db in
            guard var record = try Self.snapshotRow(db, namespace, snapshotter, key) else {
                throw BerthError.notFound("snapshot \(key) does not exist")
            }
            record.labels = FieldPaths.apply(labels: record.labels, update: update, paths: paths)
            try Labels.validate(record.labels, field: "info.Labels")
            record.updatedAt = Date()
            try db.executeCached(
                sql: "UPDATE snapshots SET labels = ?, updated_at = ? WHERE id = ?",
                arguments: [try LabelCoding.encode(record.labels), record.updatedAt.timeIntervalSince1970, record.id])
            return record
        }
    }

    /// Ids with a record, per snapshotter: directories outside this set are leftovers.
    public func snapshotIDs(snapshotter: String) async throws -> Set<Int64> {
        try await read { db in
            Set(try Int64.fetchAll(db.cachedStatement(sql: "SELECT id FROM snapshots WHERE snapshotter = ?"), arguments: [snapshotter]))
        }
    }

    /// Every record of a snapshotter, with its namespace: for recovery and the consistency check.
    public func allSnapshots(snapshotter: String) async throws -> [(namespace: String, record: SnapshotRecord)] {
        try await read { db in
            try db.fetchAll("SELECT * FROM snapshots WHERE snapshotter = ? ORDER BY id", [snapshotter]) { row in
                (namespace: try row[column: "namespace"], record: try Self.snapshotRecord(row))
            }
        }
    }

    static func snapshotRow(_ db: Database, _ namespace: String, _ snapshotter: String, _ key: String) throws -> SnapshotRecord? {
        try db.fetchOne("SELECT * FROM snapshots WHERE namespace = ? AND snapshotter = ? AND key = ?", [namespace, snapshotter, key], snapshotRecord)
    }

    /// The ids from `record` up to the base layer, nearest first.
    static func chainIDs(_ db: Database, _ namespace: String, _ snapshotter: String, from record: SnapshotRecord) throws -> [Int64] {
        var ids = [record.id]
        var current = record
        while let parent = current.parent {
            guard let next = try snapshotRow(db, namespace, snapshotter, parent) else {
                throw BerthError.notFound("parent snapshot \(parent) does not exist")
            }
            ids.append(next.id)
            current = next
        }
        return ids
    }

    static func snapshotRecord(_ row: StatementRow) throws -> SnapshotRecord {
        let kindValue: Int = try row[column: "kind"]
        guard let kind = SnapshotKind(rawValue: kindValue) else {
            throw BerthError(.unknown, "metadata database: unknown snapshot kind \(kindValue)")
        }
        let size: Int64? = try row[column: "usage_size"]
        let inodes: Int64? = try row[column: "usage_inodes"]
        return try SnapshotRecord(
            id: row[column: "id"], snapshotter: row[column: "snapshotter"], key: row[column: "key"],
            parent: row[column: "parent"], kind: kind, labels: try row.labels(),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"),
            usage: size.map { SnapshotUsage(size: $0, inodes: inodes ?? 0) })
    }
}
