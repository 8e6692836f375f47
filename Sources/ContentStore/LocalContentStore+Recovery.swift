import BerthCore
import Foundation

/// What a crash can leave in the store, and the check that a blob still holds what its name says.
extension LocalContentStore {
    /// Ingest directories without a data file: left by a crash after a commit's rename and before the
    /// directory was removed, or before a new ingest opened its data. Listings skip them already.
    public func ingestLeftovers() throws -> [String] {
        try FileSystem.listDirectory(ingestRoot).filter { name in
            (try? FileSystem.linkStatus(IngestDirectory(path: ingestRoot + "/" + name).dataPath)) == nil
        }
    }

    /// Removes the leftovers `ingestLeftovers` finds. Only when no writer can be opening one (at start).
    @discardableResult
    public func removeIngestLeftovers() throws -> Int {
        let leftovers = try ingestLeftovers()
        for name in leftovers { _ = try FileSystem.removeTree(ingestRoot + "/" + name) }
        return leftovers.count
    }

    /// Hashes the blob's file again; true when the bytes still match the digest.
    public func verify(_ digest: Digest) throws -> Bool {
        let path = blobPath(digest)
        let fd = try FileSystem.open(path, O_RDONLY)
        defer { FileSystem.close(fd) }
        var hasher = DigestHasher(digest.algorithm)
        _ = try Self.hash(fd: fd, path: path, into: &hasher)
        return hasher.finalize() == digest
    }
}
