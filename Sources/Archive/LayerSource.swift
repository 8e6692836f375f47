import BerthCore
import CLibArchive
import ContentStore

/// Feeds libarchive from a `read` closure, and (as `DecompressedStream`) hands on the decompressed bytes
/// while hashing them: the layer's diff ID is the digest of every uncompressed byte, tar padding included.
final class CallbackSource {
    let read: (UnsafeMutableRawBufferPointer) throws -> Int
    var buffer: UnsafeMutableRawBufferPointer
    var error: (any Error)?
    /// Bytes handed to libarchive so far.
    private(set) var consumed: Int64 = 0

    init(bufferSize: Int, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.read = read
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// Opens `archive` reading from this source (which must outlive the archive).
    func open(_ archive: OpaquePointer) -> Int32 {
        archive_read_open(archive, Unmanaged.passUnretained(self).toOpaque(), nil, { _, context, out in
            // libarchive's read callback: points `out` at the next block; 0 at the end, -1 on error.
            guard let context, let out else { return -1 }
            let source = Unmanaged<CallbackSource>.fromOpaque(context).takeUnretainedValue()
            do {
                let count = try source.read(source.buffer)
                source.consumed += Int64(count)
                out.pointee = UnsafeRawPointer(source.buffer.baseAddress)
                return la_ssize_t(count)
            } catch {
                source.error = error
                return -1
            }
        }, nil)
    }
}

/// Decompresses a layer (gzip, zstd, or none: libarchive detects the filter) and hashes what comes out,
/// refusing to expand beyond `limit`.
final class DecompressedStream {
    let archive: OpaquePointer
    let source: CallbackSource
    let limit: DecompressionLimit
    private(set) var hasher = DigestHasher(.sha256)
    private(set) var size: Int64 = 0

    init(limit: DecompressionLimit, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        guard let archive = archive_read_new() else { throw BerthError(.resourceExhausted, "libarchive: out of memory") }
        self.archive = archive
        self.limit = limit
        source = CallbackSource(bufferSize: 1 << 20, read: read)
        archive_read_support_filter_all(archive)
        archive_read_support_format_raw(archive)
        let opened = source.open(archive)
        var entry: OpaquePointer?
        guard opened == ARCHIVE_OK, archive_read_next_header(archive, &entry) == ARCHIVE_OK else {
            // Every property is set, so deinit runs and frees the archive: freeing it here too was a double free.
            let message = LibArchiveError.message(archive)
            throw source.error ?? BerthError.invalidArgument("layer is not readable: \(message)")
        }
    }

    deinit { archive_read_free(archive) }

    /// Up to `buffer.count` decompressed bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if count < 0 {
            throw source.error ?? BerthError.invalidArgument("layer decompression failed: \(LibArchiveError.message(archive))")
        }
        if count > 0 {
            size += Int64(count)
            try limit.check(decompressed: size, compressed: source.consumed)
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        }
        return count
    }

    /// Reads to the end so that the digest covers everything (the zero blocks after the tar's end too).
    func drain() throws {
        let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 16, alignment: 16)
        defer { scratch.deallocate() }
        while try read(into: scratch) > 0 {}
    }
}

enum LibArchiveError {
    static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown libarchive error"
    }
}
