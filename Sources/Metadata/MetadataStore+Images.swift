import BerthCore
import Foundation
import GRDB

/// Image records, with containerd's validation and field-path updates.
extension MetadataStore {
    public func image(namespace: String, name: String) async throws -> ImageRecord {
        try await lookup { db in
            guard let image = try Self.image(db, namespace: namespace, name: name) else {
                throw BerthError.notFound("image \"\(name)\"")
            }
            return image
        }
    }

    public func images(namespace: String) async throws -> [ImageRecord] {
        try await read { db in
            try db.fetchAll("SELECT * FROM images WHERE namespace = ? ORDER BY name", [namespace], Self.imageRecord)
        }
    }

    @discardableResult
    public func createImage(namespace: String, _ image: ImageRecord) async throws -> ImageRecord {
        try Self.validate(image)
        var created = image
        created.createdAt = Date()
        created.updatedAt = created.createdAt
        try await write { [created] db in
            try Self.ensureNamespace(db, namespace)
            if try Self.image(db, namespace: namespace, name: image.name) != nil {
                throw BerthError.alreadyExists("image \"\(image.name)\"")
            }
            try Self.insert(db, namespace: namespace, created)
        }
        return created
    }

    /// Applies `paths` (labels, labels.KEY, annotations, annotations.KEY, target) from the update; no paths
    /// replaces the image whole. `target` may be nil when no path needs it.
    public func updateImage(
        namespace: String, name: String, labels: [String: String], target: Descriptor?, paths: [String]
    ) async throws -> ImageRecord {
        guard !name.isEmpty else { throw BerthError.invalidArgument("image name is required for update") }
        @Sendable func requireTarget() throws -> Descriptor {
            guard let target else { throw BerthError.invalidArgument("Target.Digest \"\" invalid: invalid checksum digest format") }
            return target
        }
        return try await write { db in
            guard let current = try Self.image(db, namespace: namespace, name: name) else {
                throw BerthError.notFound("image \"\(name)\"")
            }
            var updated = current
            if paths.isEmpty {
                updated = ImageRecord(name: name, labels: labels, target: try requireTarget())
            }
            for path in paths {
                if path.hasPrefix("labels.") {
                    let key = String(path.dropFirst("labels.".count))
                    updated.labels[key] = labels[key]
                } else if path.hasPrefix("annotations.") {
                    let key = String(path.dropFirst("annotations.".count))
                    updated.target.annotations[key] = target?.annotations[key]
                } else {
                    switch path {
                    case "labels": updated.labels = labels
                    case "target": updated.target = try requireTarget()
                    case "annotations": updated.target.annotations = target?.annotations ?? [:]
                    default:
                        throw BerthError.invalidArgument("cannot update \"\(path)\" field on image \"\(name)\"")
                    }
                }
            }
            // containerd never stores an empty label or annotation: setting one to "" removes it.
            updated.labels = updated.labels.filter { !$0.value.isEmpty }
            updated.target.annotations = updated.target.annotations.filter { !$0.value.isEmpty }
            try Self.validate(updated)
            updated.createdAt = current.createdAt
            updated.updatedAt = Date()
            try db.executeCached(sql: "DELETE FROM images WHERE namespace = ? AND name = ?", arguments: [namespace, name])
            try Self.insert(db, namespace: namespace, updated)
            return updated
        }
    }

    public func deleteImage(namespace: String, name: String) async throws {
        try await write { db in
            try db.executeCached(sql: "DELETE FROM images WHERE namespace = ? AND name = ?", arguments: [namespace, name])
            if db.changesCount == 0 { throw BerthError.notFound("image \"\(name)\"") }
        }
    }

    static func validate(_ image: ImageRecord) throws {
        guard !image.name.isEmpty else { throw BerthError.invalidArgument("image name must not be empty") }
        try Labels.validate(image.labels, field: "image.Labels")
        guard image.target.size > 0 else { throw BerthError.invalidArgument("Target.Size must be greater than zero") }
        guard !image.target.mediaType.isEmpty else { throw BerthError.invalidArgument("Target.MediaType must be set") }
    }

    static func image(_ db: Database, namespace: String, name: String) throws -> ImageRecord? {
        try db.fetchOne("SELECT * FROM images WHERE namespace = ? AND name = ?", [namespace, name], imageRecord)
    }

    static func imageRecord(_ row: StatementRow) throws -> ImageRecord {
        try ImageRecord(
            name: row[column: "name"], labels: try row.labels(),
            target: Descriptor(
                mediaType: row[column: "target_media_type"], digest: try row.digest("target_digest"), size: row[column: "target_size"],
                annotations: try row.labels("target_annotations")),
            createdAt: row.date("created_at"), updatedAt: row.date("updated_at"))
    }

    private static func insert(_ db: Database, namespace: String, _ image: ImageRecord) throws {
        try db.executeCached(
            sql: """
                INSERT INTO images (namespace, name, labels, target_media_type, target_digest, target_size,
                                    target_annotations, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                namespace, image.name, try LabelCoding.encode(image.labels), image.target.mediaType,
                image.target.digest.description, image.target.size, try LabelCoding.encode(image.target.annotations),
                image.createdAt.timeIntervalSince1970, image.updatedAt.timeIntervalSince1970,
            ])
    }
}
