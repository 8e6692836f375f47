import BerthCore
import CLibArchive
import ContentStore

/// Feeds libarchive from a `read` closure, and (as `DecompressedStream`) hands on the decompressed bytes
/// while hashing them: the layer's diff ID is the digest of every uncompressed byte, tar padding included.
final class CallbackSource {
    let read: (UnsafeMutableRawBufferPointer) throws -> Int
    var buffer: UnsafeMutableRawBufferPointer
    var error: (any Error)?
    /// Bytes handed on so far.
    private(set) var consumed: Int64 = 0
    /// Bytes at the start of `buffer` read ahead (to tell the format), handed on before `read` is called again.
    private var pending = 0

    init(bufferSize: Int, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) {
        self.read = read
        buffer = .allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }

    /// The next bytes of the stream, in `buffer`; empty at the end.
    func next() throws -> UnsafeRawBufferPointer {
        let count = pending > 0 ? pending : try read(buffer)
        pending = 0
        consumed += Int64(count)
        return UnsafeRawBufferPointer(rebasing: buffer[..<count])
    }

    /// Reads ahead until `buffer` holds at least `count` bytes or the stream ends; returns what it holds.
    func peek(_ count: Int) throws -> UnsafeRawBufferPointer {
        while pending < count {
            let read = try read(UnsafeMutableRawBufferPointer(rebasing: buffer[pending...]))
            if read == 0 { break }
            pending += read
        }
        return UnsafeRawBufferPointer(rebasing: buffer[..<pending])
    }

    /// Opens `archive` reading from this source (which must outlive the archive).
    func open(_ archive: OpaquePointer) -> Int32 {
        archive_read_open(archive, Unmanaged.passUnretained(self).toOpaque(), nil, { _, context, out in
            // libarchive's read callback: points `out` at the next block; 0 at the end, -1 on error.
            guard let context, let out else { return -1 }
            let source = Unmanaged<CallbackSource>.fromOpaque(context).takeUnretainedValue()
            do {
                let chunk = try source.next()
                out.pointee = chunk.baseAddress
                return la_ssize_t(chunk.count)
            } catch {
                source.error = error
                return -1
            }
        }, nil)
    }
}

/// Decompresses a layer and hashes what comes out, refusing to expand beyond `limit`. gzip goes through
/// ISA-L (`GzipInflater`); anything else (zstd, bzip2, xz, or no compression) through libarchive's filters.
final class DecompressedStream {
    private enum Decompressor {
        case gzip(GzipInflater)
        case libarchive(OpaquePointer)
    }

    private let decompressor: Decompressor
    let source: CallbackSource
    let limit: DecompressionLimit
    private(set) var hasher = DigestHasher(.sha256)
    private(set) var size: Int64 = 0

    init(limit: DecompressionLimit, read: @escaping (UnsafeMutableRawBufferPointer) throws -> Int) throws {
        self.limit = limit
        source = CallbackSource(bufferSize: 1 << 20, read: read)
        if try source.peek(2).prefix(2).elementsEqual([0x1f, 0x8b]) {
            decompressor = .gzip(GzipInflater(source: source))
            return
        }
        guard let archive = archive_read_new() else { throw BerthError(.resourceExhausted, "libarchive: out of memory") }
        decompressor = .libarchive(archive)
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

    deinit {
        if case .libarchive(let archive) = decompressor { archive_read_free(archive) }
    }

    /// Up to `buffer.count` decompressed bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count: Int
        switch decompressor {
        case .gzip(let inflater):
            count = try inflater.read(into: buffer)
        case .libarchive(let archive):
            count = archive_read_data(archive, buffer.baseAddress, buffer.count)
            if count < 0 {
                throw source.error ?? BerthError.invalidArgument("layer decompression failed: \(LibArchiveError.message(archive))")
            }
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
