import BerthCore
import Foundation
import GRDB

/// Container records, with containerd's validation and field-path updates (metadata/containers.go).
extension MetadataStore {
    public func container(namespace: String, id: String) async throws -> ContainerRecord {
        try await lookup { db in
            guard let container = try Self.container(db, namespace: namespace, id: id) else {
                throw BerthError.notFound("container \"\(id)\" in namespace \"\(namespace)\"")
            }
            return container
        }
    }

    public func containers(namespace: String) async throws -> [ContainerRecord] {
        try await read { db in
            try db.fetchAll("SELECT * FROM containers WHERE namespace = ? ORDER BY id", [namespace], Self.containerRecord)
        }
    }

    @discardableResult
    public func createContainer(namespace: String, _ container: ContainerRecord) async throws -> ContainerRecord {
        do {
            try Self.validate(container)
        } catch let error as BerthError {
            throw BerthError(error.kind, "create container failed validation: \(error.message)")
        }
        var created = container
        created.createdAt = Date()
        created.updatedAt = created.createdAt
        try await write { [created] db in
            try Self.ensureNamespace(db, namespace)
            if try Self.container(db, namespace: namespace, id: created.id) != nil {
                throw BerthError.alreadyExists("container \"\(created.id)\"")
            }
            try Self.insert(db, namespace: namespace, created)
        }
        return created
    }

    /// Applies `paths` (labels, labels.KEY, extensions, extensions.KEY, spec, image, snapshotkey) from `container`;
    /// no paths replaces those fields whole, and then snapshotter and runtime name must not change.
    public func updateContainer(namespace: String, _ container: ContainerRecord, paths: [String]) async throws -> ContainerRecord {
        guard !container.id.isEmpty else { throw BerthError.invalidArgument("must specify a container id") }
        return try await write { db in
            guard var updated = try Self.container(db, namespace: namespace, id: container.id) else {
                throw BerthError.notFound("container \"\(container.id)\"")
            }
            let createdAt = updated.createdAt
            var paths = paths
            if paths.isEmpty {
                paths = ["labels", "spec", "extensions", "image", "snapshotkey"]
                guard updated.snapshotter == container.snapshotter else {
                    throw BerthError.invalidArgument("container.Snapshotter field is immutable")
                }
                guard updated.runtime.name == container.runtime.name else {
                    throw BerthError.invalidArgument("container.Runtime.Name field is immutable")
                }
            }
            for path in paths {
                if path.hasPrefix("labels.") {
                    let key = String(path.dropFirst("labels.".count))
                    updated.labels[key] = container.labels[key]
                    continue
                }
                if path.hasPrefix("extensions.") {
                    let key = String(path.dropFirst("extensions.".count))
                    updated.extensions[key] = container.extensions[key]
                    continue
                }
                switch path {
                case "labels": updated.labels = container.labels
                case "spec": updated.spec = container.spec
                case "extensions": updated.extensions = container.extensions
                case "image": updated.image = container.image
                case "snapshotkey": updated.snapshotKey = container.snapshotKey
                default:
                    throw BerthError.invalidArgument("cannot update \"\(path)\" field on \"\(container.id)\"")
                }
            }
            // As for images, an empty label value removes the label.
            updated.labels = updated.labels.filter { !$0.value.isEmpty }
            do {
                try Self.validate(updated)
            } catch let error as BerthError {
                throw BerthError(error.kind, "update failed validation: \(error.message)")
            }
            updated.createdAt = createdAt
            updated.updatedAt = Date()
            try db.executeCached(sql: "DELETE FROM containers WHERE namespace = ? AND id = ?", arguments: [namespace, updated.id])
            try Self.insert(db, namespace: namespace, updated)
            return updated
        }
    }

    public func deleteContainer(namespace: String, id: String) async throws {
        try await write { db in
            try db.executeCached(sql: "DELETE FROM containers WHERE namespace = ? AND id = ?", arguments: [namespace, id])
            if db.changesCount == 0 { throw BerthError.notFound("container \(id)") }
        }
    }

    static func validate(_ container: ContainerRecord) throws {
        do {
            try Identifiers.validate(container.id)
        } catch let error as BerthError {
            throw BerthError(error.kind, "container.ID: \(error.message)")
        }
        if container.extensions.keys.contains("") {
            throw BerthError.invalidArgument("container.Extension keys must not be zero-length")
        }
        try Labels.validate(container.labels, field: "containers.Labels")
        guard !container.runtime.name.isEmpty else { throw BerthError.invalidArgument("container.Runtime.Name must be set") }
        guard container.spec != nil else { throw BerthError.invalidArgument("container.Spec must be set") }
        if !container.snapshotKey.isEmpty && container.snapshotter.isEmpty {
            throw BerthError.invalidArgument("container.Snapshotter must be set if container.SnapshotKey is set")
        }
    }

    static func container(_ db: Database, namespace: String, id: String) throws -> ContainerRecord? {
        try db.fetchOne("SELECT * FROM containers WHERE namespace = ? AND id = ?", [namespace, id], containerRecord)
    }

    static func containerRecord(_ row: StatementRow) throws -> ContainerRecord {
        try ContainerRecord(
            id: row[column: "id"], labels: try row.labels(), image: row[column: "image"],
            runtime: .init(name: row[column: "runtime_name"], options: try TypedValueCoding.decode(row[column: "runtime_options"])),
            spec: try TypedValueCoding.decode(row[column: "spec"]),
            snapshotter: row[column: "snapshotter"], snapshotKey: row[column: "snapshot_key"],
            extensions: try TypedValueCoding.decodeMap(row[column: "extensions"]),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }

    private static func insert(_ db: Database, namespace: String, _ container: ContainerRecord) throws {
        try db.executeCached(
            sql: """
                INSERT INTO containers (namespace, id, labels, image, runtime_name, runtime_options, spec, snapshotter,
                                        snapshot_key, extensions, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                namespace, container.id, try LabelCoding.encode(container.labels), container.image, container.runtime.name,
                try TypedValueCoding.encode(container.runtime.options), try TypedValueCoding.encode(container.spec),
                container.snapshotter, container.snapshotKey, try TypedValueCoding.encodeMap(container.extensions),
                container.createdAt.timeIntervalSince1970, container.updatedAt.timeIntervalSince1970,
            ])
    }
}
