import BerthCore
import Foundation
import Snapshots

/// containerd's metadata snapshotter: records in the database, directories in the driver. The record
/// changes first (one transaction); the driver follows; leftovers of a crash in between are cleaned up.
public struct NamespacedSnapshots: Sendable {
    public let metadata: MetadataStore
    public let drivers: [String: any SnapshotDriver]
    public let collector: GarbageCollector

    public init(metadata: MetadataStore, drivers: [any SnapshotDriver], collector: GarbageCollector) {
        self.metadata = metadata
        self.drivers = Dictionary(drivers.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.collector = collector
    }

    public func driver(_ snapshotter: String) throws -> any SnapshotDriver {
        guard !snapshotter.isEmpty else { throw BerthError.invalidArgument("snapshotter argument missing") }
        guard let driver = drivers[snapshotter] else {
            throw BerthError.invalidArgument("snapshotter not loaded: \(snapshotter)")
        }
        return driver
    }

    /// Creates an active (writable) or view (read-only) snapshot on `parent` and returns its mounts.
    public func create(
        namespace: String, snapshotter: String, key: String, parent: String?, kind: SnapshotKind,
        labels: [String: String], lease: String?
    ) async throws -> (SnapshotRecord, [Mount]) {
        let driver = try driver(snapshotter)
        if let lease { try await metadata.requireLease(namespace: namespace, id: lease) }
        // Held against collection from the record's insert until the directories exist.
        return try await collector.withCommitPermit {
            let chain = try await metadata.createSnapshot(
                namespace: namespace, snapshotter: snapshotter, key: key, parent: parent, kind: kind, labels: labels,
                lease: lease)
            // A crash here leaves a record without directories: `cleanup` removes it at the next start.
            CrashPoint.reach("snapshot.create.before-directories")
            do {
                try driver.create(id: chain.snapshot.id, kind: kind, parents: chain.parentIDs)
            } catch {
                _ = try? await metadata.removeSnapshot(namespace: namespace, snapshotter: snapshotter, key: key)
                try? driver.remove(id: chain.snapshot.id)
                throw error
            }
            return (chain.snapshot, driver.mounts(id: chain.snapshot.id, kind: kind, parents: chain.parentIDs))
        }
    }

    public func mounts(namespace: String, snapshotter: String, key: String) async throws -> [Mount] {
        let driver = try driver(snapshotter)
        let chain = try await metadata.snapshot(namespace: namespace, snapshotter: snapshotter, key: key)
        guard chain.snapshot.kind != .committed else {
            throw BerthError.failedPrecondition("requested snapshot \(key) not active or view")
        }
        return driver.mounts(id: chain.snapshot.id, kind: chain.snapshot.kind, parents: chain.parentIDs)
    }

    public func stat(namespace: String, snapshotter: String, key: String) async throws -> SnapshotRecord {
        _ = try driver(snapshotter)
        return try await metadata.snapshot(namespace: namespace, snapshotter: snapshotter, key: key).snapshot
    }

    public func list(namespace: String, snapshotter: String) async throws -> [SnapshotRecord] {
        _ = try driver(snapshotter)
        return try await metadata.snapshots(namespace: namespace, snapshotter: snapshotter)
    }

    public func update(
        namespace: String, snapshotter: String, key: String, labels: [String: String], paths: [String]
    ) async throws -> SnapshotRecord {
        _ = try driver(snapshotter)
        return try await metadata.updateSnapshot(
            namespace: namespace, snapshotter: snapshotter, key: key, labels: labels, paths: paths)
    }

    /// Commits active snapshot `key` as `name`, measuring its disk use once (committed layers do not change).
    /// `rebasedOnto` sets the parent of a snapshot prepared without one, where the driver allows it.
    public func commit(
        namespace: String, snapshotter: String, name: String, key: String, labels: [String: String], lease: String?,
        rebasedOnto parent: String? = nil
    ) async throws -> SnapshotRecord {
        let driver = try driver(snapshotter)
        if parent != nil, !driver.layersAreIndependent {
            throw BerthError.failedPrecondition("snapshotter \(snapshotter) cannot move a layer onto another parent")
        }
        let active = try await metadata.snapshot(namespace: namespace, snapshotter: snapshotter, key: key).snapshot
        let usage = try driver.usage(id: active.id)
        CrashPoint.reach("snapshot.commit.before-record")
        return try await metadata.commitSnapshot(
            namespace: namespace, snapshotter: snapshotter, name: name, key: key, labels: labels, usage: usage,
            rebasedOnto: parent, lease: lease)
    }

    public func usage(namespace: String, snapshotter: String, key: String) async throws -> SnapshotUsage {
        let driver = try driver(snapshotter)
        let record = try await metadata.snapshot(namespace: namespace, snapshotter: snapshotter, key: key).snapshot
        if let usage = record.usage { return usage }
        return try driver.usage(id: record.id)
    }

    public func remove(namespace: String, snapshotter: String, key: String) async throws {
        let driver = try driver(snapshotter)
        let removed = try await metadata.removeSnapshot(namespace: namespace, snapshotter: snapshotter, key: key)
        CrashPoint.reach("snapshot.remove.before-directories")
        try driver.retire(id: removed.id)
    }

    /// Settles what a crash between a record change and its directories left: directories no record names
    /// are removed, and so are records of active or view snapshots whose directories were never made.
    /// Returns how many of each were removed.
    @discardableResult
    public func cleanup(snapshotter: String) async throws -> (directories: Int, records: Int) {
        let driver = try driver(snapshotter)
        return try await collector.exclusively {
            let records = try await metadata.allSnapshots(snapshotter: snapshotter)
            let recorded = Set(records.map(\.record.id))
            let existing = Set(try driver.existingIDs())
            var removed = (directories: 0, records: 0)
            for id in existing where !recorded.contains(id) {
                try driver.remove(id: id)
                removed.directories += 1
            }
            for (namespace, record) in records where record.kind != .committed && !existing.contains(record.id) {
                _ = try await metadata.removeSnapshot(namespace: namespace, snapshotter: snapshotter, key: record.key)
                removed.records += 1
            }
            return removed
        }
    }
}
