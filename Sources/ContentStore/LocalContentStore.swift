import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// containerd's `content/local` store: committed blobs at `blobs/<algorithm>/<hex>`, ingests in
/// progress under `ingest/`. Labels are not kept here; the metadata database holds them.
public final class LocalContentStore: Sendable {
    public let root: String
    let blobsRoot: String
    let ingestRoot: String
    /// The canonical ingest root, so that ref locks agree whichever spelling of the root a store got.
    let lockRoot: String
    /// How often `writer` tries a locked ref before failing (containerd: 10, with random backoff).
    let lockAttempts: Int

    /// Opens (creating if needed) the store at `root`, e.g. `<berth root>/io.containerd.content.v1.content`.
    public convenience init(root: String) throws {
        try self.init(root: root, lockAttempts: 10)
    }

    init(root: String, lockAttempts: Int) throws {
        var root = root
        while root.count > 1 && root.hasSuffix("/") { root.removeLast() }
        self.root = root
        blobsRoot = root + "/blobs"
        ingestRoot = root + "/ingest"
        self.lockAttempts = max(1, lockAttempts)
        try FileSystem.makeDirectories(blobsRoot)
        try FileSystem.makeDirectories(ingestRoot)
        lockRoot = FileSystem.realPath(ingestRoot) ?? ingestRoot
    }

    /// `<root>/blobs/<algorithm>/<hex>`; a parsed `Digest` cannot name anything outside it.
    public func blobPath(_ digest: Digest) -> String {
        blobsRoot + "/" + digest.algorithm.rawValue + "/" + digest.encoded
    }

    public func info(_ digest: Digest) throws -> ContentInfo {
        let path = blobPath(digest)
        var status = stat()
        guard stat(path, &status) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { throw BerthError.notFound("content \(digest)") }
            throw systemError("stat", path, errno)
        }
        return Self.info(digest, status)
    }

    public func exists(_ digest: Digest) -> Bool {
        var status = stat()
        return stat(blobPath(digest), &status) == 0
    }

    public func reader(_ digest: Digest) throws -> ContentReader {
        let path = blobPath(digest)
        do {
            return try ContentReader(path: path)
        } catch let error as BerthError where error.kind == .notFound {
            throw BerthError.notFound("blob \(digest) expected at \(path): blob not found")
        }
    }

    /// Removes a blob. Readers that have it open keep reading it (POSIX unlink semantics).
    public func delete(_ digest: Digest) throws {
        guard try FileSystem.removeTree(blobPath(digest)) else {
            throw BerthError.notFound("content \(digest)")
        }
    }

    /// Every committed blob, ordered by digest.
    public func allBlobs() throws -> [ContentInfo] {
        var blobs: [ContentInfo] = []
        try forEachBlob { blobs.append($0) }
        return blobs.sorted { $0.digest < $1.digest }
    }

    /// Walks the committed blobs (containerd's Walk) without collecting them. Anything that is not
    /// a regular file named by a valid digest inside a known algorithm directory is skipped:
    /// containerd would report such junk with an invalid digest, which `Digest` cannot hold.
    public func forEachBlob(_ body: (ContentInfo) throws -> Void) throws {
        for algorithm in Digest.Algorithm.allCases {
            let directory = blobsRoot + "/" + algorithm.rawValue
            guard let status = try FileSystem.linkStatus(directory), status.isDirectory else { continue }
            for name in try FileSystem.listDirectory(directory) {
                guard name.utf8.count == algorithm.encodedLength,
                      let digest = try? Digest(algorithm: algorithm, hex: name),
                      let status = try FileSystem.linkStatus(directory + "/" + name), status.isRegularFile
                else { continue }
                try body(Self.info(digest, status))
            }
        }
    }

    /// containerd reports the commit time (stamped as mtime) as created, and the atime as updated.
    static func info(_ digest: Digest, _ status: stat) -> ContentInfo {
        ContentInfo(
            digest: digest, size: Int64(status.st_size),
            createdAt: Timestamp.date(status.modificationTime), updatedAt: Timestamp.date(status.accessTime))
    }
}
