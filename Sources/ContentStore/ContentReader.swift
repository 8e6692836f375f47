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
        /// Where the last read ended, and how far the kernel has been asked to read ahead.
        var lastEnd: Int64 = -1
        var prefetchedTo: Int64 = 0
    }

    /// How far ahead a sequential reader is announced to the kernel. A blob's bytes past the writer's O_DIRECT
    /// threshold are not in the page cache; the kernel's own readahead (128 KiB here) then made a reader wait
    /// for the disk in small requests, three times slower than reading the file with `dd bs=1M`.
    static let prefetchWindow: Int64 = 8 << 20

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
        let fd = try beginRead(at: offset, count: buffer.count)
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

    private func beginRead(at offset: Int64, count: Int) throws -> Int32 {
        try state.withLock { state in
            guard !state.closed else { throw BerthError.failedPrecondition("read on closed reader") }
            state.readsInFlight += 1
            // Only a read that continues the previous one: a reader opened for one small read (ctr's Read
            // per 32 KiB) would otherwise pay for walking a window of cached pages every time.
            let end = offset + Int64(count)
            if offset == state.lastEnd, end + Self.prefetchWindow / 2 > state.prefetchedTo, end < size {
                let from = max(offset, state.prefetchedTo)
                _ = posix_fadvise(state.fd, off_t(from), off_t(Self.prefetchWindow), POSIX_FADV_WILLNEED)
                state.prefetchedTo = from + Self.prefetchWindow
            }
            state.lastEnd = end
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
