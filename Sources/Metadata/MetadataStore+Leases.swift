import BerthCore
import Foundation
import GRDB

extension MetadataStore {
    /// Creates a lease; an empty id gets a generated one. As in containerd, the id is any string (ctr uses
    /// paths as lease ids): it is only ever a key in the database.
    @discardableResult
    public func createLease(namespace: String, id requestedID: String, labels: [String: String]) async throws -> LeaseRecord {
        let id = requestedID.isEmpty ? Self.generateLeaseID() : requestedID
        try Labels.validate(labels, field: "lease.Labels")
        let lease = LeaseRecord(id: id, labels: labels)
        let encoded = try LabelCoding.encode(labels)
        try await write { db in
            try Self.ensureNamespace(db, namespace)
            if try Self.leaseExists(db, namespace: namespace, id: id) {
                throw BerthError.alreadyExists("lease \"\(id)\"")
            }
            try db.executeCached(
                sql: "INSERT INTO leases (namespace, id, labels, created_at) VALUES (?, ?, ?, ?)",
                arguments: [namespace, id, encoded, lease.createdAt.timeIntervalSince1970])
        }
        return lease
    }

    public func deleteLease(namespace: String, id: String) async throws {
        try await write { db in
            try db.executeCached(sql: "DELETE FROM leases WHERE namespace = ? AND id = ?", arguments: [namespace, id])
            if db.changesCount == 0 { throw BerthError.notFound("lease \"\(id)\"") }
        }
    }

    public func leases(namespace: String) async throws -> [LeaseRecord] {
        try await read { db in
            try db.fetchAll("SELECT * FROM leases WHERE namespace = ? ORDER BY id", [namespace]) { row in
                try LeaseRecord(id: row[column: "id"], labels: row.labels(), createdAt: row.date("created_at"))
            }
        }
    }

    public func addLeaseResource(namespace: String, lease: String, _ resource: LeaseResource) async throws {
        let resource = try resource.validated()
        try await write { db in
            try Self.addLeaseResource(db, namespace: namespace, lease: lease, type: resource.type, id: resource.id)
        }
    }

    public func deleteLeaseResource(namespace: String, lease: String, _ resource: LeaseResource) async throws {
        let resource = try resource.validated()
        try await write { db in
            guard try Self.leaseExists(db, namespace: namespace, id: lease) else {
                throw BerthError.notFound("lease \"\(lease)\"")
            }
            try db.executeCached(
                sql: "DELETE FROM lease_resources WHERE namespace = ? AND lease_id = ? AND type = ? AND id = ?",
                arguments: [namespace, lease, resource.type, resource.id])
        }
    }

    public func leaseResources(namespace: String, lease: String) async throws -> [LeaseResource] {
        try await read { db in
            guard try Self.leaseExists(db, namespace: namespace, id: lease) else {
                throw BerthError.notFound("lease \"\(lease)\"")
            }
            return try db.fetchAll(
                "SELECT type, id FROM lease_resources WHERE namespace = ? AND lease_id = ? ORDER BY type, id", [namespace, lease]
            ) { row in try LeaseResource(type: row[column: "type"], id: row[column: "id"]) }
        }
    }

    /// Checks that a lease named in a request's `containerd-lease` metadata exists.
    public func requireLease(namespace: String, id: String) async throws {
        try await read { db in
            guard try Self.leaseExists(db, namespace: namespace, id: id) else {
                throw BerthError.notFound("lease does not exist")
            }
        }
    }

    static func addLeaseResource(_ db: Database, namespace: String, lease: String, type: String, id: String) throws {
        guard try leaseExists(db, namespace: namespace, id: lease) else {
            throw BerthError.notFound("lease \"\(lease)\"")
        }
        try db.executeCached(
            sql: "INSERT OR IGNORE INTO lease_resources (namespace, lease_id, type, id) VALUES (?, ?, ?, ?)",
            arguments: [namespace, lease, type, id])
    }

    static func leaseExists(_ db: Database, namespace: String, id: String) throws -> Bool {
        try Bool.fetchOne(
            db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM leases WHERE namespace = ? AND id = ?)"), arguments: [namespace, id]) ?? false
    }

    /// containerd's generated lease id: the clock's nanoseconds, a dash and 3 random bytes in base64url.
    static func generateLeaseID() -> String {
        let nanos = Int(Date().timeIntervalSince1970 * 1e9) % 1_000_000_000
        let random = Data((0..<3).map { _ in UInt8.random(in: 0...255) }).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        return "\(nanos)-\(random)"
    }
}
