import BerthCore
import CLinux
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one open writer of an ingest (containerd's local writer). Bytes go to the data file with pwrite
/// and into the running hash; a pipelined ingest's bytes past 64 MiB are staged for O_DIRECT writes
/// (`DirectWriteStage`). Meant for one task at a time; the locks only keep a stray concurrent call
/// from corrupting the state.
public final class ContentWriter: Sendable {
    struct State: Sendable {
        var fd: Int32 // -1 once closed or committed
        /// Bytes handed to the file, staged ones included.
        var offset: Int64
        /// Bytes hashed and acknowledged; ahead of `offset` while accepted bytes wait for their write.
        var acceptedOffset: Int64
        /// A write of accepted bytes that failed: every later call reports it.
        var deferredFailure: BerthError? = nil
        var total: Int64
        var hasher: DigestHasher
        var expected: Digest?
        var startedAt: Date
        var updatedAt: Date
        /// Set by a successful commit, whose digest may use another algorithm than `hasher`.
        var committed: Digest? = nil
    }

    public let ref: String
    let store: LocalContentStore
    let directory: IngestDirectory
    let lockKey: String
    private let state: Mutex<State>
    /// Held by a pipelined write across its pwrite (instead of `state`, so that `accept` and `status` go on
    /// meanwhile) and by whatever closes the descriptor or ends the stage. Taken before `state`.
    private let fileAccess = Mutex(DirectWriteStage())

    init(store: LocalContentStore, ref: String, directory: IngestDirectory, lockKey: String, state: State) {
        self.store = store
        self.ref = ref
        self.directory = directory
        self.lockKey = lockKey
        self.state = Mutex(state)
    }

    deinit {
        close()
    }

    public func status() throws -> IngestStatus {
        state.withLock { state in
            IngestStatus(
                ref: ref, offset: state.acceptedOffset, total: state.total, expected: state.expected,
                startedAt: state.startedAt, updatedAt: state.updatedAt)
        }
    }

    /// The digest of the bytes written so far (after a commit: the committed digest).
    public var digest: Digest {
        state.withLock { $0.committed ?? $0.hasher.finalize() }
    }

    /// Appends `bytes` at the current offset.
    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        try finishStage()
        try state.withLock { state in
            try Self.requireWritable(state)
            guard state.acceptedOffset == state.offset else {
                throw BerthError.failedPrecondition("cannot write while accepted bytes wait for their write")
            }
            guard !bytes.isEmpty else { return }
            let (written, failure) = FileSystem.writeAll(state.fd, bytes, at: state.offset)
            Self.startWriteback(state.fd, from: state.offset, to: state.offset + Int64(max(written, 0)))
            // Hash what reached the file even on failure, so hash and offset keep matching the data.
            if written > 0 {
                state.hasher.update(UnsafeRawBufferPointer(rebasing: bytes[0..<written]))
                state.offset += Int64(written)
                state.acceptedOffset = state.offset
                state.updatedAt = Timestamp.now()
            }
            if let failure { throw systemError("write", directory.dataPath, failure) }
        }
        CrashPoint.reach("content.write")
    }

    /// The first half of a pipelined write: hashes `bytes` and counts them as written, so that the stream can
    /// answer (with the digest so far) before they reach the file. `writeAccepted` must follow with the same
    /// bytes, in order. If that write fails, the ingest keeps what reached the file and this writer refuses
    /// everything after; a new writer resumes from the file (and hashes it again).
    public func accept(_ bytes: UnsafeRawBufferPointer) throws {
        try state.withLock { state in
            try Self.requireWritable(state)
            state.hasher.update(bytes)
            state.acceptedOffset += Int64(bytes.count)
            state.updatedAt = Timestamp.now()
        }
    }

    /// The second half of a pipelined write: puts accepted bytes into the file.
    public func writeAccepted(_ bytes: UnsafeRawBufferPointer) {
        fileAccess.withLock { stage in
            // Only this call moves `offset` while bytes are pending, and closing waits for `fileAccess`.
            let target = state.withLock { state -> (fd: Int32, offset: Int64)? in
                guard state.fd >= 0, state.deferredFailure == nil, !bytes.isEmpty else { return nil }
                return (state.fd, state.offset)
            }
            guard let target else { return }
            let written: Int, failure: Int32?
            if let staged = stage.write(bytes, at: target.offset, cachedFD: target.fd, path: directory.dataPath) {
                (written, failure) = staged
            } else {
                (written, failure) = FileSystem.writeAll(target.fd, bytes, at: target.offset)
                Self.startWriteback(target.fd, from: target.offset, to: target.offset + Int64(max(written, 0)))
            }
            state.withLock { state in
                state.offset += Int64(max(written, 0))
                if let failure {
                    state.deferredFailure = systemError("write", directory.dataPath, failure)
                } else if written < bytes.count {
                    state.deferredFailure = BerthError(.unknown, "short write to \(directory.dataPath)")
                }
            }
        }
        CrashPoint.reach("content.write")
    }

    /// Bytes between writeback starts. The commit's fsync then finds most of the blob on disk already, instead
    /// of the whole blob waiting in the page cache for it (as with `dd conv=fsync`).
    static let writebackStride: Int64 = 8 << 20

    /// Starts writing every stride a write from `start` to `end` completed (a message may hold several),
    /// without waiting for it.
    private static func startWriteback(_ fd: Int32, from start: Int64, to end: Int64) {
        let first = start / writebackStride * writebackStride
        let boundary = end / writebackStride * writebackStride
        guard boundary > start else { return }
        // Best effort: a failure here shows up, if it matters, in the commit's fsync.
        _ = berth_start_writeback(fd, first, boundary - first)
    }

    /// Puts staged bytes in the file before a write that bypasses the pipeline, or a commit.
    private func finishStage() throws {
        try fileAccess.withLock { stage in
            guard stage.isActive else { return }
            let fd = state.withLock { $0.fd }
            guard fd >= 0 else { return stage.discard() }
            if let error = stage.finish(cachedFD: fd) {
                let failure = systemError("write", directory.dataPath, error)
                state.withLock { $0.deferredFailure = failure }
                throw failure
            }
        }
    }

    private static func requireWritable(_ state: State, to action: String = "write") throws {
        guard state.fd >= 0 else { throw BerthError.failedPrecondition("cannot \(action) on closed writer") }
        if let failure = state.deferredFailure { throw failure }
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Starts the ingest over. Only 0 is supported, as in containerd.
    public func truncate(to size: Int64) throws {
        guard size == 0 else { throw BerthError.invalidArgument("Truncate: unsupported size") }
        try fileAccess.withLock { stage in
            try state.withLock { state in
                guard state.fd >= 0 else { throw BerthError.failedPrecondition("cannot truncate on closed writer") }
                guard state.acceptedOffset == state.offset else {
                    throw BerthError.failedPrecondition("cannot truncate while accepted bytes wait for their write")
                }
                stage.discard()
                guard ftruncate(state.fd, 0) == 0 else { throw systemError("truncate", directory.dataPath, errno) }
                state.offset = 0
                state.acceptedOffset = 0
                state.deferredFailure = nil
                state.hasher.reset()
                state.updatedAt = Timestamp.now()
            }
        }
    }

    /// Moves the data into `blobs/` under its digest and ends the writer, successful or not (as
    /// containerd). `size` 0 and `expected` nil skip those checks. On a failed check the ingest
    /// stays on disk for a new writer to resume; if the blob already exists the ingest is removed
    /// and alreadyExists is thrown.
    @discardableResult
    public func commit(size: Int64 = 0, expected: Digest? = nil) throws -> Digest {
        try finishStage()
        return try state.withLock { state in
            try Self.requireWritable(state, to: "commit")
            guard state.acceptedOffset == state.offset else {
                throw BerthError.failedPrecondition("cannot commit while accepted bytes wait for their write")
            }
            let fd = state.fd
            state.fd = -1
            defer {
                FileSystem.close(fd)
                RefLocks.shared.unlock(lockKey)
            }
            let digest = try commit(fd: fd, hasher: state.hasher, size: size, expected: expected)
            state.committed = digest
            return digest
        }
    }

    /// Ends the writer and keeps the ingest for a later writer to resume. Idempotent.
    public func close() {
        fileAccess.withLock { stage in
            state.withLock { state in
                guard state.fd >= 0 else { return }
                // A failure leaves a shorter file, which the next writer resumes from.
                _ = stage.finish(cachedFD: state.fd)
                // Best effort, as containerd: the ingest stays resumable without these.
                try? FileSystem.sync(state.fd, path: directory.dataPath)
                FileSystem.close(state.fd)
                state.fd = -1
                try? directory.writeUpdatedAt(state.updatedAt)
                RefLocks.shared.unlock(lockKey)
            }
        }
    }

    /// For tests: drops the descriptor and the lock without syncing or recording anything, as a
    /// process killed mid-ingest would.
    func abandonAsIfKilled() {
        fileAccess.withLock { stage in
            stage.discard()
            state.withLock { state in
                guard state.fd >= 0 else { return }
                FileSystem.close(state.fd)
                state.fd = -1
                RefLocks.shared.unlock(lockKey)
            }
        }
    }

    private func commit(fd: Int32, hasher: DigestHasher, size: Int64, expected: Digest?) throws -> Digest {
        let dataPath = directory.dataPath
        let info = try FileSystem.status(of: fd, path: dataPath)
        // No links left: the ingest was aborted while this writer was open.
        guard info.st_nlink > 0 else { throw BerthError.notFound("ingest ref \(GoQuoting.quote(ref))") }
        let actualSize = Int64(info.st_size)
        if size > 0 && size != actualSize {
            try? FileSystem.sync(fd, path: dataPath)
            throw BerthError.failedPrecondition("unexpected commit size \(actualSize), expected \(size)")
        }
        var digest = hasher.finalize()
        if let expected, expected.algorithm != digest.algorithm {
            // Announced only now, in another algorithm than the one hashed while writing.
            var rehasher = DigestHasher(expected.algorithm)
            _ = try LocalContentStore.hash(fd: fd, path: dataPath, into: &rehasher)
            digest = rehasher.finalize()
        }
        if let expected, expected != digest {
            try? FileSystem.sync(fd, path: dataPath)
            throw BerthError.failedPrecondition("unexpected commit digest \(digest), expected \(expected)")
        }

        let target = store.blobPath(digest)
        let algorithmDirectory = store.blobsRoot + "/" + digest.algorithm.rawValue
        if try FileSystem.makeDirectory(algorithmDirectory) {
            try FileSystem.syncDirectory(store.blobsRoot)
        }
        if store.exists(digest) {
            _ = try? FileSystem.removeTree(directory.path)
            throw BerthError.alreadyExists("content \(digest)")
        }

        // Stamp the commit time (what Info reports as created) and make the data durable before
        // it becomes visible under its digest.
        let now = Timestamp.timeSpec(Timestamp.now())
        guard futimens(fd, [now, now]) == 0 else { throw systemError("chtimes", dataPath, errno) }
        try FileSystem.sync(fd, path: dataPath)
        CrashPoint.reach("content.commit.before-rename")
        do {
            try FileSystem.rename(dataPath, to: target)
        } catch let error as BerthError where error.kind == .notFound {
            throw BerthError.notFound("ingest ref \(GoQuoting.quote(ref))")
        }
        // Read-only from here on; only after the rename, so that a failed commit leaves a writable
        // ingest. Like containerd, a failure here does not undo the commit.
        _ = fchmod(fd, 0o444)
        try FileSystem.syncDirectory(algorithmDirectory)
        CrashPoint.reach("content.commit.before-ingest-removal")
        // The blob is committed; a leftover ingest directory is harmless (it has no data file).
        _ = try? FileSystem.removeTree(directory.path)
        return digest
    }
}
