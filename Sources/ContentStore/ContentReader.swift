import BerthCore
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Random access to a committed blob (containerd's ReaderAt). Reads use pread, so concurrent
/// reads at different offsets are fine; `close` waits for none of them but defers closing the
/// descriptor until the last read in flight is done.
public final class ContentReader: Sendable {
    private struct State {
        var fd: Int32
        var readsInFlight = 0
        var closed = false
    }

    /// The blob's size when it was opened (blobs are immutable).
    public let size: Int64
    let path: String
    private let state: Mutex<State>

    init(path: String) throws {
        let fd = try FileSystem.open(path, O_RDONLY)
        do {
            size = Int64(try FileSystem.status(of: fd, path: path).st_size)
        } catch {
            FileSystem.close(fd)
            throw error
        }
        self.path = path
        state = Mutex(State(fd: fd))
    }

    deinit {
        state.withLock { state in
            if !state.closed { FileSystem.close(state.fd) }
        }
    }

    /// Up to `count` bytes at `offset`: fewer at the end of the blob, none past it.
    public func read(at offset: Int64, count: Int) throws -> [UInt8] {
        guard offset >= 0 else { throw BerthError(.outOfRange, "read at negative offset \(offset)") }
        guard count >= 0 else { throw BerthError.invalidArgument("read of negative count \(count)") }
        let available = Int(clamping: max(0, size - offset))
        let capacity = min(count, available)
        if capacity == 0 { return [] }
        return try [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            initialized = try read(at: offset, into: UnsafeMutableRawBufferPointer(buffer))
        }
    }

    /// Fills `buffer` from `offset` as far as the blob goes; returns the bytes read (0 past the end).
    public func read(at offset: Int64, into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard offset >= 0 else { throw BerthError(.outOfRange, "read at negative offset \(offset)") }
        let fd = try beginRead()
        defer { endRead() }
        return try FileSystem.readFully(fd, into: buffer, at: offset, path: path)
    }

    /// Closes the blob; reads after this fail. Idempotent.
    public func close() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            if state.readsInFlight == 0 { FileSystem.close(state.fd) }
        }
    }

    private func beginRead() throws -> Int32 {
        try state.withLock { state in
            guard !state.closed else { throw BerthError.failedPrecondition("read on closed reader") }
            state.readsInFlight += 1
            return state.fd
        }
    }

    private func endRead() {
        state.withLock { state in
            state.readsInFlight -= 1
            if state.closed && state.readsInFlight == 0 { FileSystem.close(state.fd) }
        }
    }
}
