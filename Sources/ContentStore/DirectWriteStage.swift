import BerthCore
import CLinux
#if canImport(Glibc)
import Glibc
#endif

/// Where a pipelined ingest's bytes past `threshold` go: through an aligned staging buffer into O_DIRECT
/// writes, around the page cache.
///
/// Why: on a VM whose memory the host reclaims (virtio-balloon), a page-cache page the guest has not touched
/// lately costs a host fault on first touch. Writing 1 GiB through the cache then spends about a second of
/// CPU in the copy alone, more than the disk needs: `dd oflag=direct` writes 1 GiB in 0.6 s here, `dd
/// conv=fsync` in 0.7–4.4 s. Blobs that large are rarely read back at once; their first `threshold` bytes stay
/// cached for the usual read-after-write (a layer unpacked right after its ingest). File systems without
/// O_DIRECT (tmpfs) keep the cached path.
///
/// Bytes in the buffer count as written for the writer's offset; `finish` puts them in the file (the aligned
/// part direct, the tail through the cache) and `discard` drops them, as a killed process would.
/// Unchecked Sendable: it owns its buffer and descriptor, and lives inside the writer's `fileAccess` Mutex.
struct DirectWriteStage: ~Copyable, @unchecked Sendable {
    static let alignment = 4096
    static let capacity = 4 << 20
    static let threshold: Int64 = 64 << 20

    private var buffer: UnsafeMutableRawPointer?
    private var directFD: Int32 = -1
    private var filled = 0
    /// The file offset of the buffer's first byte, while active.
    private var start: Int64 = 0
    /// Set when O_DIRECT failed on this file: the rest goes through the cache.
    private var unavailable = false

    init() {}

    deinit {
        if directFD >= 0 { FileSystem.close(directFD) }
        free(buffer)
    }

    var isActive: Bool { directFD >= 0 }

    /// Takes `bytes` for `offset` (the writer's offset, staged bytes included) if they belong to the stage:
    /// nil when they should go through the cache. Returns how many bytes it took and, on failure, the errno.
    mutating func write(
        _ bytes: UnsafeRawBufferPointer, at offset: Int64, cachedFD: Int32, path: String
    ) -> (taken: Int, error: Int32?)? {
        guard !bytes.isEmpty else { return nil }
        if !isActive {
            guard !unavailable, offset >= Self.threshold, activate(path) else { return nil }
            // Up to the next aligned offset through the cache; the stage starts there.
            let head = Int((Int64(Self.alignment) - offset % Int64(Self.alignment)) % Int64(Self.alignment))
            let headBytes = UnsafeRawBufferPointer(rebasing: bytes[0..<min(head, bytes.count)])
            let (written, error) = FileSystem.writeAll(cachedFD, headBytes, at: offset)
            if let error { return (written, error) }
            start = offset + Int64(head)
            if head >= bytes.count { return (written, nil) }
            let staged = stage(UnsafeRawBufferPointer(rebasing: bytes[head...]), cachedFD: cachedFD)
            return (head + staged.taken, staged.error)
        }
        return stage(bytes, cachedFD: cachedFD)
    }

    /// Writes out what is staged and leaves the stage inactive; returns the errno of a failed write.
    mutating func finish(cachedFD: Int32) -> Int32? {
        guard isActive else { return nil }
        var error = flush(count: filled / Self.alignment * Self.alignment, cachedFD: cachedFD)
        if error == nil, isActive, filled > 0, let buffer {
            // The unaligned tail through the cache.
            error = FileSystem.writeAll(cachedFD, UnsafeRawBufferPointer(start: buffer, count: filled), at: start).error
        }
        discard()
        return error
    }

    /// Drops what is staged and leaves the stage inactive.
    mutating func discard() {
        if directFD >= 0 { FileSystem.close(directFD) }
        directFD = -1
        filled = 0
    }

    private mutating func activate(_ path: String) -> Bool {
        if buffer == nil {
            var memory: UnsafeMutableRawPointer?
            guard posix_memalign(&memory, Self.alignment, Self.capacity) == 0 else {
                unavailable = true
                return false
            }
            buffer = memory
        }
        directFD = berth_open_direct_writer(path)
        if directFD < 0 { unavailable = true }
        return directFD >= 0
    }

    private mutating func stage(_ bytes: UnsafeRawBufferPointer, cachedFD: Int32) -> (taken: Int, error: Int32?) {
        guard let buffer, let source = bytes.baseAddress else { return (0, nil) }
        var taken = 0
        while taken < bytes.count {
            guard isActive else {
                // O_DIRECT failed on the way: the rest through the cache.
                let (written, error) = FileSystem.writeAll(cachedFD, UnsafeRawBufferPointer(rebasing: bytes[taken...]), at: start)
                return (taken + written, error)
            }
            let count = min(Self.capacity - filled, bytes.count - taken)
            (buffer + filled).copyMemory(from: source + taken, byteCount: count)
            filled += count
            taken += count
            if filled == Self.capacity, let error = flush(count: filled, cachedFD: cachedFD) { return (taken, error) }
        }
        return (taken, nil)
    }

    /// Writes the first `count` staged bytes (a multiple of the alignment) at `start` and keeps the rest.
    private mutating func flush(count: Int, cachedFD: Int32) -> Int32? {
        guard count > 0, let buffer else { return nil }
        let chunk = UnsafeRawBufferPointer(start: buffer, count: count)
        var (written, error) = FileSystem.writeAll(directFD, chunk, at: start)
        if error == EINVAL, written == 0 {
            // The file system refused the alignment or O_DIRECT itself: through the cache from here on.
            unavailable = true
            (written, error) = FileSystem.writeAll(cachedFD, chunk, at: start)
        }
        if let error { return error }
        start += Int64(count)
        filled -= count
        if filled > 0 { buffer.copyMemory(from: buffer + count, byteCount: filled) }
        if unavailable {
            // Hand the rest back through the cache and stop staging; `start` stays where the file ends.
            let (written, rest) = FileSystem.writeAll(cachedFD, UnsafeRawBufferPointer(start: buffer, count: filled), at: start)
            start += Int64(written)
            discard()
            return rest
        }
        return nil
    }
}
