import BerthCore
import ContentStore
import Foundation

/// containerd's metadata content store: one shared blob store on disk, seen through per-namespace records.
/// A blob is visible in a namespace once that namespace has written it or been given it by the shared-blob
/// fast path; ingests are kept apart per namespace; new content and ingests join the caller's lease.
public struct NamespacedContent: Sendable {
    public let metadata: MetadataStore
    public let store: LocalContentStore
    public let collector: GarbageCollector

    public init(metadata: MetadataStore, store: LocalContentStore, collector: GarbageCollector) {
        self.metadata = metadata
        self.store = store
        self.collector = collector
    }

    /// With a lease, the blob found joins it (see `MetadataStore.blob(namespace:digest:holdingIn:)`).
    public func info(namespace: String, digest: Digest, lease: String? = nil) async throws -> BlobRecord {
        guard let record = try await record(namespace: namespace, digest: digest, lease: lease) else {
            throw BerthError.notFound("content digest \(digest)")
        }
        return record
    }

    /// A read in place first: most lookups under a lease (every Write stream, every blob of a pull) find
    /// nothing, and need no write transaction; one that finds the blob joins the lease, checking again there.
    private func record(namespace: String, digest: Digest, lease: String?) async throws -> BlobRecord? {
        let found = try await metadata.blob(namespace: namespace, digest: digest)
        guard let lease, found != nil else { return found }
        return try await metadata.blob(namespace: namespace, digest: digest, holdingIn: lease)
    }

    public func list(namespace: String) async throws -> [BlobRecord] {
        try await metadata.blobs(namespace: namespace)
    }

    public func update(namespace: String, digest: Digest, labels: [String: String], paths: [String]) async throws -> BlobRecord {
        try await metadata.updateBlob(namespace: namespace, digest: digest, labels: labels, paths: paths)
    }

    /// Removes the namespace's record and schedules collection of the file if nothing else holds it.
    public func delete(namespace: String, digest: Digest) async throws {
        try await metadata.deleteBlob(namespace: namespace, digest: digest)
        await collector.schedule(releasedFile: true)
    }

    public func reader(namespace: String, digest: Digest) async throws -> ContentReader {
        _ = try await info(namespace: namespace, digest: digest)
        return try store.reader(digest)
    }

    // MARK: ingests

    public func status(namespace: String, ref: String) throws -> IngestStatus {
        do {
            return Self.unscoped(try store.status(ref: Self.scoped(namespace, ref)), namespace: namespace)
        } catch let error as BerthError where error.kind == .notFound {
            throw BerthError.notFound("ref \(ref)")
        }
    }

    public func statuses(namespace: String) throws -> [IngestStatus] {
        let prefix = Self.scoped(namespace, "")
        return try store.listStatuses().filter { $0.ref.hasPrefix(prefix) }.map { Self.unscoped($0, namespace: namespace) }
    }

    public func abort(namespace: String, ref: String) throws {
        do {
            try store.abort(ref: Self.scoped(namespace, ref))
        } catch let error as BerthError where error.kind == .notFound {
            throw BerthError.notFound("ref \(ref)")
        }
    }

    /// Opens (or resumes) the namespace's ingest `ref`. Content the namespace already has is alreadyExists;
    /// content another namespace has (same size) is shared into this one, then reported as alreadyExists.
    public func writer(namespace: String, ref: String, total: Int64, expected: Digest?, lease: String?) async throws -> ContentWriter {
        guard !ref.isEmpty else { throw BerthError.invalidArgument("ref must not be empty") }
        try Identifiers.validate(namespace)
        if let lease { try await metadata.requireLease(namespace: namespace, id: lease) }
        if let expected {
            try await shareIfPresent(namespace: namespace, digest: expected, size: total, lease: lease)
        }
        let writer = try store.writer(ref: Self.scoped(namespace, ref), total: total, expected: expected)
        if let lease {
            do {
                try await metadata.addLeaseResource(namespace: namespace, lease: lease, LeaseResource(type: "ingests", id: ref))
            } catch {
                writer.close()
                throw error
            }
        }
        return writer
    }

    /// Throws alreadyExists when the namespace has (or has just been given) the blob.
    public func shareIfPresent(namespace: String, digest: Digest, size: Int64, lease: String?) async throws {
        if try await record(namespace: namespace, digest: digest, lease: lease) != nil {
            throw BerthError.alreadyExists("content \(digest)")
        }
        guard let existing = try? store.info(digest), size <= 0 || size == existing.size else { return }
        let shared = try await collector.withCommitPermit {
            // The file may have been collected since; only record what is still there.
            guard store.exists(digest) else { return false }
            try await metadata.addBlob(namespace: namespace, BlobRecord(digest: digest, size: existing.size), lease: lease)
            return true
        }
        // A file collected in between is written again: alreadyExists would tell the writer it is stored.
        if shared { throw BerthError.alreadyExists("content \(digest)") }
    }

    /// Commits the ingest and records the blob in the namespace (and lease) as one step against collection.
    @discardableResult
    public func commit(
        _ writer: ContentWriter, namespace: String, size: Int64, expected: Digest?, labels: [String: String], lease: String?
    ) async throws -> Digest {
        try Labels.validate(labels)
        let status = try writer.status()
        if size > 0 && size != status.offset {
            let ref = Self.unscoped(status, namespace: namespace).ref
            throw BerthError.failedPrecondition("\"\(ref)\" failed size validation: \(status.offset) != \(size)")
        }
        return try await collector.withCommitPermit {
            let digest: Digest
            var committedSize = size
            do {
                digest = try writer.commit(size: size, expected: expected)
            } catch let error as BerthError where error.kind == .alreadyExists {
                // Another namespace committed the same bytes first: this namespace still gets its record.
                digest = expected ?? writer.digest
            }
            if committedSize <= 0 { committedSize = (try? store.info(digest).size) ?? 0 }
            // A crash here leaves a file no namespace records: the next collection removes it.
            CrashPoint.reach("content.commit.before-record")
            try await metadata.addBlob(
                namespace: namespace, BlobRecord(digest: digest, size: committedSize, labels: labels), lease: lease)
            return digest
        }
    }

    static func scoped(_ namespace: String, _ ref: String) -> String { "\(namespace)/\(ref)" }

    static func unscoped(_ status: IngestStatus, namespace: String) -> IngestStatus {
        var status = status
        status.ref = String(status.ref.dropFirst(namespace.count + 1))
        return status
    }
}
