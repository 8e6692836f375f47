import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension LocalContentStore {
    /// Starts or resumes the ingest named `ref` and returns its only writer.
    ///
    /// - A ref that has an open writer is unavailable; like containerd, this retries with a short
    ///   random backoff (about half a second in all) before giving up, blocking the calling thread.
    /// - An existing ingest is resumed: its data is re-hashed and writing continues at its end.
    ///   One that cannot be resumed (half-created, other ref, other total) is started over.
    /// - `expected` that is already committed fails with alreadyExists.
    /// - The hash uses `expected`'s algorithm (or the one a resumed ingest recorded), else sha256.
    public func writer(ref: String, total: Int64 = 0, expected: Digest? = nil) throws -> ContentWriter {
        guard !ref.isEmpty else { throw BerthError.invalidArgument("ref must not be empty") }
        guard total >= 0 else { throw BerthError.invalidArgument("total \(total) must not be negative") }
        let directory = IngestDirectory(ingestRoot: ingestRoot, ref: ref)
        let lockKey = lockRoot + "/" + IngestDirectory.name(for: ref)
        try lock(lockKey, ref: ref)
        do {
            return try openWriter(ref: ref, total: total, expected: expected, directory: directory, lockKey: lockKey)
        } catch {
            RefLocks.shared.unlock(lockKey)
            throw error
        }
    }

    /// The ingest's progress as recorded on disk; for an open writer this matches its own
    /// `status()` except that `updatedAt` may lag until it closes.
    public func status(ref: String) throws -> IngestStatus {
        let directory = IngestDirectory(ingestRoot: ingestRoot, ref: ref)
        let status: IngestStatus
        do {
            status = try directory.readStatus()
        } catch let error as BerthError where error.kind == .notFound {
            throw BerthError.notFound("ref \(ref)")
        }
        // A different ref here means a hash collision or a corrupt layout; it is not this ingest.
        guard status.ref == ref else { throw BerthError.notFound("ref \(ref)") }
        return status
    }

    /// Every ingest in progress, ordered by ref, optionally filtered with containerd's filter syntax
    /// on the field `ref` (e.g. `ref~=^layer-`). Ingests that cannot be read (being committed,
    /// half-created or corrupt) are left out.
    public func listStatuses(filters: [String] = []) throws -> [IngestStatus] {
        let filter = try Filter.parseAll(filters)
        var statuses: [IngestStatus] = []
        for name in try FileSystem.listDirectory(ingestRoot) {
            guard let status = try? IngestDirectory(path: ingestRoot + "/" + name).readStatus() else { continue }
            let adaptor = DictionaryFilterAdaptor { $0 == ["ref"] ? status.ref : nil }
            if filter.matches(adaptor) { statuses.append(status) }
        }
        return statuses.sorted { $0.ref < $1.ref }
    }

    /// Removes the ingest and its data. As in containerd this does not wait for an open writer:
    /// that writer's later commit fails with notFound.
    public func abort(ref: String) throws {
        let directory = IngestDirectory(ingestRoot: ingestRoot, ref: ref)
        guard try FileSystem.removeTree(directory.path) else {
            throw BerthError.notFound("ingest ref \(GoQuoting.quote(ref))")
        }
    }

    private func lock(_ key: String, ref: String) throws {
        var attempt = 0
        while true {
            do {
                return try RefLocks.shared.tryLock(key, ref: ref)
            } catch {
                attempt += 1
                if attempt >= lockAttempts { throw error }
                // containerd sleeps rand(2^attempt) ms between tries.
                usleep(UInt32.random(in: 0..<(UInt32(1) << min(attempt, 16))) * 1000)
            }
        }
    }

    private func openWriter(
        ref: String, total: Int64, expected: Digest?, directory: IngestDirectory, lockKey: String
    ) throws -> ContentWriter {
        if let expected, exists(expected) {
            throw BerthError.alreadyExists("content \(expected)")
        }
        let created = try FileSystem.makeDirectory(directory.path)
        if !created, let resumed = try resume(ref: ref, total: total, expected: expected, directory: directory, lockKey: lockKey) {
            return resumed
        }
        let startedAt = Timestamp.now()
        try directory.writeMetadata(ref: ref, startedAt: startedAt, total: total, expected: expected)
        // O_TRUNC: data left by an ingest that could not be resumed must not prefix the new one.
        let fd = try FileSystem.open(directory.dataPath, O_RDWR | O_CREAT | O_TRUNC)
        let state = ContentWriter.State(
            fd: fd, offset: 0, acceptedOffset: 0, total: total, hasher: DigestHasher(expected?.algorithm ?? .sha256),
            expected: expected, startedAt: startedAt, updatedAt: startedAt)
        return ContentWriter(store: self, ref: ref, directory: directory, lockKey: lockKey, state: state)
    }

    /// Reopens an ingest left by an earlier writer, or nil when it has to start over.
    private func resume(
        ref: String, total: Int64, expected: Digest?, directory: IngestDirectory, lockKey: String
    ) throws -> ContentWriter? {
        guard let status = try? directory.readStatus(), status.ref == ref,
              total == 0 || status.total == 0 || total == status.total
        else { return nil }
        let fd = try FileSystem.open(directory.dataPath, O_RDWR)
        do {
            let effectiveExpected = expected ?? status.expected
            if let expected, expected != status.expected { try directory.writeExpected(expected) }
            var effectiveTotal = status.total
            if effectiveTotal == 0 && total > 0 {
                try directory.writeTotal(total)
                effectiveTotal = total
            }
            // The hash state is not saved, so the data on disk is hashed again (containerd does too).
            var hasher = DigestHasher(effectiveExpected?.algorithm ?? .sha256)
            let offset = try Self.hash(fd: fd, path: directory.dataPath, into: &hasher)
            let state = ContentWriter.State(
                fd: fd, offset: offset, acceptedOffset: offset, total: effectiveTotal, hasher: hasher,
                expected: effectiveExpected, startedAt: status.startedAt, updatedAt: status.updatedAt)
            return ContentWriter(store: self, ref: ref, directory: directory, lockKey: lockKey, state: state)
        } catch {
            FileSystem.close(fd)
            throw error
        }
    }

    /// Feeds the whole file into `hasher`; returns its length.
    static func hash(fd: Int32, path: String, into hasher: inout DigestHasher) throws -> Int64 {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 64)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while true {
            let count = try FileSystem.readFully(fd, into: buffer, at: offset, path: path)
            if count == 0 { return offset }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            offset += Int64(count)
        }
    }
}
