import BerthCore
import Foundation
import GRDB

/// What one mark-and-sweep pass over the metadata removed.
public struct MetadataSweep: Sendable, Equatable {
    /// Blob records removed, per namespace.
    public var removedBlobs: [String: [Digest]] = [:]
    /// Digests that no namespace records any more: their files can go.
    public var unreferencedDigests: Set<Digest> = []
    /// Expired leases removed, per namespace.
    public var expiredLeases: [String: [String]] = [:]

    public var removedCount: Int { removedBlobs.values.reduce(0) { $0 + $1.count } }
}

/// containerd's garbage collection model over Berth's tables: roots are images, leases (until they expire),
/// containers and objects labelled `containerd.io/gc.root`; references follow `containerd.io/gc.ref.*` labels.
extension MetadataStore {
    public func sweepUnreferenced(now: Date = Date()) async throws -> MetadataSweep {
        try await write { db in
            var sweep = MetadataSweep()
            let namespaces = try String.fetchAll(db, sql: "SELECT name FROM namespaces")
            for namespace in namespaces {
                try Self.sweep(db, namespace: namespace, now: now, into: &sweep)
            }
            let removed = Set(sweep.removedBlobs.values.flatMap { $0 })
            for digest in removed {
                let stillRecorded = try Bool.fetchOne(
                    db, sql: "SELECT EXISTS(SELECT 1 FROM blobs WHERE digest = ?)", arguments: [digest.description]) ?? false
                if !stillRecorded { sweep.unreferencedDigests.insert(digest) }
            }
            return sweep
        }
    }

    /// Every digest some namespace records; files outside this set are garbage (e.g. left by a crash).
    public func allRecordedDigests() async throws -> Set<String> {
        try await read { db in Set(try String.fetchAll(db, sql: "SELECT DISTINCT digest FROM blobs")) }
    }

    private static func sweep(_ db: Database, namespace: String, now: Date, into sweep: inout MetadataSweep) throws {
        var marked = Set<String>()
        var pending: [String] = []
        func mark(_ digest: String, follow: Bool) {
            guard marked.insert(digest).inserted else { return }
            if follow { pending.append(digest) }
        }

        // Leases: expired ones are removed; live ones hold their content (flat leases hold only that).
        for row in try Row.fetchAll(db, sql: "SELECT id, labels FROM leases WHERE namespace = ?", arguments: [namespace]) {
            let lease = LeaseRecord(id: row["id"], labels: try row.labels())
            if let expiry = lease.expiresAt, expiry < now {
                try db.execute(sql: "DELETE FROM leases WHERE namespace = ? AND id = ?", arguments: [namespace, lease.id])
                sweep.expiredLeases[namespace, default: []].append(lease.id)
                continue
            }
            let flat = lease.labels[GCLabels.flat] != nil
            for id in try String.fetchAll(
                db, sql: "SELECT id FROM lease_resources WHERE namespace = ? AND lease_id = ? AND type = 'content'",
                arguments: [namespace, lease.id])
            {
                mark(id, follow: !flat)
            }
        }
        // Images hold their target and whatever their labels reference.
        for row in try Row.fetchAll(db, sql: "SELECT target_digest, labels FROM images WHERE namespace = ?", arguments: [namespace]) {
            mark(row["target_digest"], follow: true)
            for digest in contentReferences(try row.labels()) { mark(digest, follow: true) }
        }
        // Content labelled as a root, then everything reachable through content labels.
        var blobLabels: [String: [String: String]] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT digest, labels FROM blobs WHERE namespace = ?", arguments: [namespace]) {
            let labels = try row.labels()
            blobLabels[row["digest"]] = labels
            if labels[GCLabels.root] != nil { mark(row["digest"], follow: true) }
        }
        while let digest = pending.popLast() {
            for reference in contentReferences(blobLabels[digest] ?? [:]) { mark(reference, follow: true) }
        }
        for (digest, _) in blobLabels where !marked.contains(digest) {
            try db.execute(sql: "DELETE FROM blobs WHERE namespace = ? AND digest = ?", arguments: [namespace, digest])
            if let parsed = try? Digest(parsing: digest) { sweep.removedBlobs[namespace, default: []].append(parsed) }
        }
    }

    /// Values of `containerd.io/gc.ref.content*` labels.
    static func contentReferences(_ labels: [String: String]) -> [String] {
        labels.compactMap { key, value in key.hasPrefix(GCLabels.contentRefPrefix) ? value : nil }
    }
}
