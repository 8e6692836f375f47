import BerthCore
import Foundation

/// A committed blob as the local store sees it (containerd's content.Info without labels:
/// labels live in the metadata database, not on disk).
public struct ContentInfo: Sendable, Equatable {
    public var digest: Digest
    public var size: Int64
    /// The commit time: containerd stamps the blob's mtime with it.
    public var createdAt: Date
    /// The blob's atime, as containerd reports it.
    public var updatedAt: Date

    public init(digest: Digest, size: Int64, createdAt: Date, updatedAt: Date) {
        self.digest = digest
        self.size = size
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

/// The progress of one ingest (containerd's content.Status).
public struct IngestStatus: Sendable, Equatable {
    public var ref: String
    /// Bytes written so far.
    public var offset: Int64
    /// The size announced when the ingest started; 0 when unknown.
    public var total: Int64
    /// The digest announced for the finished blob, if any.
    public var expected: Digest?
    public var startedAt: Date
    public var updatedAt: Date

    public init(ref: String, offset: Int64, total: Int64, expected: Digest?, startedAt: Date, updatedAt: Date) {
        self.ref = ref
        self.offset = offset
        self.total = total
        self.expected = expected
        self.startedAt = startedAt
        self.updatedAt = updatedAt
    }
}
