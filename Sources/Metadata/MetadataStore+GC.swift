import BerthCore
import Foundation
import GRDB

public struct RemovedSnapshot: Sendable, Equatable {
    public var snapshotter: String
    public var id: Int64
}

/// What one mark-and-sweep pass over the metadata removed.
public struct MetadataSweep: Sendable, Equatable {
    /// Blob records removed, per namespace.
    public var removedBlobs: [String: [Digest]] = [:]
    /// Digests that no namespace records any more: their files can go.
    public var unreferencedDigests: Set<Digest> = []
    /// Expired leases removed, per namespace.
    public var expiredLeases: [String: [String]] = [:]
    /// Snapshot records removed: their directories can go.
    public var removedSnapshots: [RemovedSnapshot] = []

    public var removedCount: Int { removedBlobs.values.reduce(0) { $0 + $1.count } }
}

/// containerd's garbage collection model over Berth's tables: roots are images, leases (until they expire),
/// containers and objects labelled `containerd.io/gc.root`; references follow `containerd.io/gc.ref.*` labels.
extension MetadataStore {
    public func sweepUnreferenced(now: Date = Date()) async throws -> MetadataSweep {
        try await write { db in
            var sweep = MetadataSweep()
            let namespaces = try String.fetchAll(db.cachedStatement(sql: "SELECT name FROM namespaces"))
            for namespace in namespaces {
                try Self.sweep(db, namespace: namespace, now: now, into: &sweep)
            }
            let removed = Set(sweep.removedBlobs.values.flatMap { $0 })
            for digest in removed {
                let stillRecorded = try Bool.fetchOne(
                    db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM blobs WHERE digest = ?)"), arguments: [digest.description]) ?? false
                if !stillRecorded { sweep.unreferencedDigests.insert(digest) }
            }
            return sweep
        }
    }

    /// Every digest some namespace records; files outside this set are garbage (e.g. left by a crash).
    public func allRecordedDigests() async throws -> Set<String> {
        try await read { db in Set(try String.fetchAll(db.cachedStatement(sql: "SELECT DISTINCT digest FROM blobs"))) }
    }

    /// A node of the reference graph.
    enum GCNode: Hashable {
        case content(String)
        case snapshot(snapshotter: String, key: String)
    }

    private static func sweep(_ db: Database, namespace: String, now: Date, into sweep: inout MetadataSweep) throws {
        var marked = Set<GCNode>()
        var pending: [GCNode] = []
        func mark(_ node: GCNode, follow: Bool = true) {
            guard marked.insert(node).inserted else { return }
            if follow { pending.append(node) }
        }
        func markReferences(_ labels: [String: String]) {
            for digest in contentReferences(labels) { mark(.content(digest)) }
            for (snapshotter, key) in snapshotReferences(labels) { mark(.snapshot(snapshotter: snapshotter, key: key)) }
        }

        // Leases: expired ones are removed; live ones hold their resources (flat leases hold only those).
        let leases = try db.fetchAll("SELECT id, labels FROM leases WHERE namespace = ?", [namespace]) { row in
            try LeaseRecord(id: row[column: "id"], labels: row.labels())
        }
        for lease in leases {
            if let expiry = lease.expiresAt, expiry < now {
                try db.executeCached(sql: "DELETE FROM leases WHERE namespace = ? AND id = ?", arguments: [namespace, lease.id])
                sweep.expiredLeases[namespace, default: []].append(lease.id)
                continue
            }
            let follow = lease.labels[GCLabels.flat] == nil
            let resources = try db.fetchAll(
                "SELECT type, id FROM lease_resources WHERE namespace = ? AND lease_id = ?", [namespace, lease.id]
            ) { row -> (type: String, id: String) in try (row[column: "type"], row[column: "id"]) }
            for (type, id) in resources {
                if type == "content" {
                    mark(.content(id), follow: follow)
                } else if type.hasPrefix("snapshots/") {
                    mark(.snapshot(snapshotter: String(type.dropFirst("snapshots/".count)), key: id), follow: follow)
                }
            }
        }
        // Images hold their target and whatever their labels reference.
        let images = try db.fetchAll("SELECT target_digest, labels FROM images WHERE namespace = ?", [namespace]) { row in
            try (target: row[column: "target_digest"] as String, labels: row.labels())
        }
        for image in images {
            mark(.content(image.target))
            markReferences(image.labels)
        }
        // Containers hold their snapshot and whatever their labels reference.
        let containers = try db.fetchAll("SELECT snapshotter, snapshot_key, labels FROM containers WHERE namespace = ?", [namespace]) { row in
            try (snapshotter: row[column: "snapshotter"] as String, key: row[column: "snapshot_key"] as String, labels: row.labels())
        }
        for container in containers {
            if !container.snapshotter.isEmpty { mark(.snapshot(snapshotter: container.snapshotter, key: container.key)) }
            markReferences(container.labels)
        }
        // Content and snapshots labelled as roots.
        var blobLabels: [String: [String: String]] = [:]
        let blobs = try db.fetchAll("SELECT digest, labels FROM blobs WHERE namespace = ?", [namespace]) { row in
            try (digest: row[column: "digest"] as String, labels: row.labels())
        }
        for blob in blobs {
            blobLabels[blob.digest] = blob.labels
            if blob.labels[GCLabels.root] != nil { mark(.content(blob.digest)) }
        }
        var snapshots: [GCNode: (id: Int64, parent: String?, labels: [String: String])] = [:]
        let snapshotRows = try db.fetchAll("SELECT id, snapshotter, key, parent, labels FROM snapshots WHERE namespace = ?", [namespace]) { row in
            try (node: GCNode.snapshot(snapshotter: row[column: "snapshotter"], key: row[column: "key"]),
                 id: row[column: "id"] as Int64, parent: row[column: "parent"] as String?, labels: row.labels())
        }
        for snapshot in snapshotRows {
            snapshots[snapshot.node] = (snapshot.id, snapshot.parent, snapshot.labels)
            if snapshot.labels[GCLabels.root] != nil { mark(snapshot.node) }
        }
        // Everything reachable: content through its labels, snapshots through their parents and labels.
        while let node = pending.popLast() {
            switch node {
            case .content(let digest):
                markReferences(blobLabels[digest] ?? [:])
            case .snapshot(let snapshotter, _):
                guard let snapshot = snapshots[node] else { continue }
                if let parent = snapshot.parent { mark(.snapshot(snapshotter: snapshotter, key: parent)) }
                markReferences(snapshot.labels)
            }
        }
        for (digest, _) in blobLabels where !marked.contains(.content(digest)) {
            try db.executeCached(sql: "DELETE FROM blobs WHERE namespace = ? AND digest = ?", arguments: [namespace, digest])
            if let parsed = try? Digest(parsing: digest) { sweep.removedBlobs[namespace, default: []].append(parsed) }
        }
        // Children before parents: a child always has a larger id than its parent.
        for (node, snapshot) in snapshots.sorted(by: { $0.value.id > $1.value.id }) where !marked.contains(node) {
            guard case .snapshot(let snapshotter, _) = node else { continue }
            try db.executeCached(sql: "DELETE FROM snapshots WHERE id = ?", arguments: [snapshot.id])
            sweep.removedSnapshots.append(RemovedSnapshot(snapshotter: snapshotter, id: snapshot.id))
        }
    }

    /// `(snapshotter, key)` from `containerd.io/gc.ref.snapshot.<snapshotter>[/suffix]` labels.
    static func snapshotReferences(_ labels: [String: String]) -> [(String, String)] {
        labels.compactMap { key, value in
            guard key.hasPrefix(GCLabels.snapshotRefPrefix) else { return nil }
            let rest = key.dropFirst(GCLabels.snapshotRefPrefix.count)
            let snapshotter = rest.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false).first ?? rest
            return snapshotter.isEmpty ? nil : (String(snapshotter), value)
        }
    }

    /// Values of `containerd.io/gc.ref.content*` labels.
    static func contentReferences(_ labels: [String: String]) -> [String] {
        labels.compactMap { key, value in key.hasPrefix(GCLabels.contentRefPrefix) ? value : nil }
    }
}
