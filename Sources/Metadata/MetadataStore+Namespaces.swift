import BerthCore
import Foundation
import GRDB

/// Namespace records, with containerd's metadata semantics.
extension MetadataStore {
    public func createNamespace(_ namespace: Namespace) async throws {
        try Identifiers.validate(namespace.name)
        try Labels.validate(namespace.labels, field: "namespace.Labels")
        let labels = try LabelCoding.encode(namespace.labels)
        try await write { db in
            if try Self.namespaceExists(db, namespace.name) {
                throw BerthError.alreadyExists("namespace \"\(namespace.name)\"")
            }
            let now = Date().timeIntervalSince1970
            try db.executeCached(
                sql: "INSERT INTO namespaces (name, labels, created_at, updated_at) VALUES (?, ?, ?, ?)",
                arguments: [namespace.name, labels, now, now])
        }
    }

    /// The namespace, or nil when it does not exist.
    public func namespace(named name: String) async throws -> Namespace? {
        try await lookup { db in
            try db.fetchOne("SELECT labels FROM namespaces WHERE name = ?", [name]) { row in
                Namespace(name: name, labels: try LabelCoding.decode(row[column: "labels"]))
            }
        }
    }

    public func listNamespaces() async throws -> [Namespace] {
        try await read { db in
            try db.fetchAll("SELECT name, labels FROM namespaces ORDER BY name") { row in
                try Namespace(name: row[column: "name"], labels: LabelCoding.decode(row[column: "labels"]))
            }
        }
    }

    /// Updates labels by field paths (`labels.KEY`; no paths replaces all labels). As in containerd, only
    /// `labels.KEY` paths are accepted, and updating a namespace that does not exist creates it.
    @discardableResult
    public func updateNamespace(_ namespace: Namespace, paths: [String]) async throws -> Namespace {
        try Identifiers.validate(namespace.name)
        for path in paths where !path.hasPrefix("labels.") {
            throw BerthError.invalidArgument("cannot update \"\(path)\" field on namespace \"\(namespace.name)\"")
        }
        return try await write { db in
            let now = Date().timeIntervalSince1970
            let current = try db.fetchOne("SELECT labels FROM namespaces WHERE name = ?", [namespace.name]) { row in
                try LabelCoding.decode(row[column: "labels"])
            }
            let currentLabels = current ?? [:]
            let labels = FieldPaths.apply(labels: currentLabels, update: namespace.labels, paths: paths)
            try Labels.validate(labels, field: "namespace.Labels")
            let encoded = try LabelCoding.encode(labels)
            if current == nil {
                try db.executeCached(
                    sql: "INSERT INTO namespaces (name, labels, created_at, updated_at) VALUES (?, ?, ?, ?)",
                    arguments: [namespace.name, encoded, now, now])
            } else {
                try db.executeCached(
                    sql: "UPDATE namespaces SET labels = ?, updated_at = ? WHERE name = ?",
                    arguments: [encoded, now, namespace.name])
            }
            return Namespace(name: namespace.name, labels: labels)
        }
    }

    /// Deletes an empty namespace; one that still holds records fails with failedPrecondition.
    public func deleteNamespace(named name: String) async throws {
        try await write { db in
            guard try Self.namespaceExists(db, name) else {
                throw BerthError.notFound("namespace \"\(name)\"")
            }
            let occupied = try Self.occupiedKinds(db, namespace: name)
            if !occupied.isEmpty {
                throw BerthError.failedPrecondition(
                    "namespace \"\(name)\" must be empty, but it still has \(occupied.joined(separator: ", "))")
            }
            try db.executeCached(sql: "DELETE FROM namespaces WHERE name = ?", arguments: [name])
        }
    }

    /// Creates the namespace row if it is missing; records created in a new namespace call this first,
    /// as containerd creates a namespace implicitly on first use.
    static func ensureNamespace(_ db: Database, _ name: String) throws {
        try Identifiers.validate(name)
        let now = Date().timeIntervalSince1970
        try db.executeCached(
            sql: "INSERT OR IGNORE INTO namespaces (name, labels, created_at, updated_at) VALUES (?, '{}', ?, ?)",
            arguments: [name, now, now])
    }

    static func namespaceExists(_ db: Database, _ name: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM namespaces WHERE name = ?)"), arguments: [name]) ?? false
    }

    static func occupiedKinds(_ db: Database, namespace: String) throws -> [String] {
        var kinds: [String] = []
        for (table, noun) in namespacedTables where try db.tableExists(table) {
            let found = try Bool.fetchOne(
                db.cachedStatement(sql: "SELECT EXISTS(SELECT 1 FROM \(table) WHERE namespace = ?)"), arguments: [namespace]) ?? false
            if found { kinds.append(noun) }
        }
        return kinds
    }
}
