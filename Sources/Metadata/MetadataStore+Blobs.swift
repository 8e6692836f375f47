import BerthCore
import Foundation
import GRDB

/// Per-namespace blob records: the layer that makes one shared blob file visible in some namespaces only.
extension MetadataStore {
    public func blob(namespace: String, digest: Digest) async throws -> BlobRecord? {
        try await lookup { db in try Self.blob(db, namespace: namespace, digest: digest) }
    }

    /// The namespace's record of the blob, which `lease` holds from now on, in one transaction (as containerd's
    /// writer does for content that exists): whoever skips writing a blob it found must not lose it to a
    /// collection before it is referenced.
    public func blob(namespace: String, digest: Digest, holdingIn lease: String) async throws -> BlobRecord? {
        try await write { db in
            guard let record = try Self.blob(db, namespace: namespace, digest: digest) else { return nil }
            try Self.addLeaseResource(db, namespace: namespace, lease: lease, type: "content", id: digest.description)
            return record
        }
    }

    public func blobs(namespace: String) async throws -> [BlobRecord] {
        try await read { db in
            try db.fetchAll("SELECT * FROM blobs WHERE namespace = ? ORDER BY digest", [namespace], Self.blobRecord)
        }
    }

    /// Whether any namespace holds a record of the blob (the shared-blob fast path checks this).
    public func blobIsReferencedAnywhere(_ digest: Digest) async throws -> Bool {
        try await read { db in
            try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM blobs WHERE digest = ?)"), arguments: [digest.description]) ?? false
        }
    }

    /// Records a committed blob in a namespace, and in the lease if one is given, in one transaction.
    /// An existing record is alreadyExists, as containerd's metadata commit reports it; the lease holds the
    /// blob either way (as containerd's), or a collection could take it from a client that just wrote it.
    public func addBlob(namespace: String, _ record: BlobRecord, lease: String?) async throws {
        try Labels.validate(record.labels)
        let labels = try LabelCoding.encode(record.labels)
        let existed = try await write { db -> Bool in
            try Self.ensureNamespace(db, namespace)
            if let lease { try Self.addLeaseResource(db, namespace: namespace, lease: lease, type: "content", id: record.digest.description) }
            if try Self.blob(db, namespace: namespace, digest: record.digest) != nil { return true }
            let now = Date().timeIntervalSince1970
            try db.executeCached(
                sql: "INSERT INTO blobs (namespace, digest, size, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [namespace, record.digest.description, record.size, labels, now, now])
            return false
        }
        if existed { throw BerthError.alreadyExists("content \(record.digest)") }
    }

    /// Updates labels by field paths (`labels`, `labels.KEY`; none replaces all labels).
    public func updateBlob(namespace: String, digest: Digest, labels update: [String: String], paths: [String]) async throws -> BlobRecord {
        for path in paths where path != "labels" && !path.hasPrefix("labels.") {
            throw BerthError.invalidArgument("cannot update \"\(path)\" field on content info \"\(digest)\"")
        }
        return try await write { db in
            guard var record = try Self.blob(db, namespace: namespace, digest: digest) else {
                throw BerthError.notFound("content digest \(digest)")
            }
            record.labels = FieldPaths.apply(labels: record.labels, update: update, paths: paths)
            try Labels.validate(record.labels)
            record.updatedAt = Date()
            try db.executeCached(
                sql: "UPDATE blobs SET labels = ?, updated_at = ? WHERE namespace = ? AND digest = ?",
                arguments: [try LabelCoding.encode(record.labels), record.updatedAt.timeIntervalSince1970, namespace, digest.description])
            return record
        }
    }

    /// Removes the namespace's record; the file goes when no namespace records it (garbage collection).
    public func deleteBlob(namespace: String, digest: Digest) async throws {
        try await write { db in
            try db.executeCached(sql: "DELETE FROM blobs WHERE namespace = ? AND digest = ?", arguments: [namespace, digest.description])
            if db.changesCount == 0 { throw BerthError.notFound("content digest \(digest)") }
        }
    }

    static func blob(_ db: Database, namespace: String, digest: Digest) throws -> BlobRecord? {
        try db.fetchOne("SELECT * FROM blobs WHERE namespace = ? AND digest = ?", [namespace, digest.description], blobRecord)
    }

    static func blobRecord(_ row: StatementRow) throws -> BlobRecord {
        try BlobRecord(
            digest: row.digest("digest"), size: row[column: "size"], labels: row.labels(),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }
}
