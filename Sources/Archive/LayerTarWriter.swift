import BerthCore
import CLibArchive
import ContentStore

#if canImport(Glibc)
import Glibc
#endif

/// Streams a layer out: tar (libarchive's restricted PAX: plain ustar headers unless an entry needs more) →
/// sha256 of the tar (the diff ID) → compression → sha256 and size of the blob → `write`. Two libarchive
/// writers, because a filter's input is not visible: the compressor is a raw-format writer with the filter.
final class LayerTarWriter {
    private let tar: OpaquePointer
    private let compressor: OpaquePointer?
    /// Receives the tar's bytes; `output` receives the blob's (the same sink without compression).
    private let input: DigestingSink
    private let output: DigestingSink
    private let compression: LayerCompression
    private var finished = false

    init(compression: LayerCompression, write: @escaping (UnsafeRawBufferPointer) throws -> Void) throws {
        self.compression = compression
        output = DigestingSink(next: write)
        if compression == .none {
            compressor = nil
            input = output
        } else {
            let compressor = try Self.makeCompressor(compression, sink: output)
            self.compressor = compressor
            let output = output
            input = DigestingSink { bytes in try Self.writeAll(compressor, bytes, errorFrom: output) }
        }
        guard let tar = archive_write_new() else {
            compressor.map { _ = archive_write_free($0) }
            throw BerthError(.resourceExhausted, "libarchive: out of memory")
        }
        self.tar = tar
        // deinit frees both writers from here on.
        archive_write_set_format_pax_restricted(tar)
        // Extended attributes as SCHILY.xattr only, the records Go's archive/tar (containerd) reads.
        _ = archive_write_set_format_option(tar, "pax", "xattrheader", "SCHILY")
        Self.setUnpaddedBlocks(tar)
        guard archive_write_open2(tar, Unmanaged.passUnretained(input).toOpaque(), nil, sinkWriteCallback, nil, nil) == ARCHIVE_OK
        else { throw BerthError(.unknown, "libarchive: cannot start the layer tar: \(LibArchiveError.message(tar))") }
    }

    deinit {
        if !finished {
            // Closing flushes the tar's end: nothing more reaches `write` after a failure.
            input.abandoned = true
            output.abandoned = true
        }
        archive_write_free(tar)
        compressor.map { _ = archive_write_free($0) }
    }

    func writeHeader(_ entry: OpaquePointer, name: RawPath) throws {
        guard archive_write_header(tar, entry) >= ARCHIVE_WARN else {
            throw input.error ?? BerthError(.unknown, "writing the layer entry \(name.display): \(LibArchiveError.message(tar))")
        }
    }

    func writeData(_ bytes: UnsafeRawBufferPointer, name: RawPath) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(tar, base + offset, bytes.count - offset)
            guard written > 0 else {
                throw input.error ?? BerthError(.unknown, "writing the layer entry \(name.display): \(LibArchiveError.message(tar))")
            }
            offset += written
        }
    }

    /// Ends the tar and the compressed stream, and returns what was written.
    func finish() throws -> DiffedLayer {
        guard archive_write_close(tar) == ARCHIVE_OK else {
            throw input.error ?? BerthError(.unknown, "finishing the layer tar: \(LibArchiveError.message(tar))")
        }
        if let compressor, archive_write_close(compressor) != ARCHIVE_OK {
            throw output.error ?? BerthError(.unknown, "finishing the layer's compression: \(LibArchiveError.message(compressor))")
        }
        finished = true
        return DiffedLayer(
            diffID: input.hasher.finalize().description, uncompressedSize: input.size,
            digest: output.hasher.finalize().description, size: output.size, mediaType: compression.mediaType)
    }

    private static func makeCompressor(_ compression: LayerCompression, sink: DigestingSink) throws -> OpaquePointer {
        guard let compressor = archive_write_new() else { throw BerthError(.resourceExhausted, "libarchive: out of memory") }
        var added: Int32
        switch compression {
        case .gzip:
            added = archive_write_add_filter_gzip(compressor)
            // No timestamp in the gzip header: the same tree diffs to the same blob.
            _ = archive_write_set_filter_option(compressor, "gzip", "timestamp", nil)
        case .zstd:
            added = archive_write_add_filter_zstd(compressor)
        case .none:
            added = ARCHIVE_OK
        }
        archive_write_set_format_raw(compressor)
        setUnpaddedBlocks(compressor)
        // ARCHIVE_WARN: libarchive runs the external program instead of its library; the bytes are the same format.
        guard added >= ARCHIVE_WARN,
              archive_write_open2(compressor, Unmanaged.passUnretained(sink).toOpaque(), nil, sinkWriteCallback, nil, nil) == ARCHIVE_OK,
              let entry = archive_entry_new()
        else {
            let message = LibArchiveError.message(compressor)
            archive_write_free(compressor)
            throw BerthError(.unknown, "libarchive: cannot start \(compression) compression: \(message)")
        }
        defer { archive_entry_free(entry) }
        // The raw format compresses the data of its one regular-file entry.
        archive_entry_set_pathname(entry, "layer.tar")
        archive_entry_set_filetype(entry, UInt32(S_IFREG as mode_t))
        guard archive_write_header(compressor, entry) == ARCHIVE_OK else {
            let message = LibArchiveError.message(compressor)
            archive_write_free(compressor)
            throw BerthError(.unknown, "libarchive: cannot start \(compression) compression: \(message)")
        }
        return compressor
    }

    /// Blocks of 64 KiB to the callback, and a last one as long as it is: the tar ends with its two zero
    /// records (as Go's), not padded to libarchive's default 10 KiB blocking; compressed output is not padded.
    private static func setUnpaddedBlocks(_ archive: OpaquePointer) {
        archive_write_set_bytes_per_block(archive, 64 << 10)
        archive_write_set_bytes_in_last_block(archive, 1)
    }

    private static func writeAll(_ compressor: OpaquePointer, _ bytes: UnsafeRawBufferPointer, errorFrom sink: DigestingSink) throws {
        guard let base = bytes.baseAddress else { return }
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(compressor, base + offset, bytes.count - offset)
            guard written > 0 else {
                throw sink.error ?? BerthError(.unknown, "compressing the layer: \(LibArchiveError.message(compressor))")
            }
            offset += written
        }
    }
}

/// One end of the writer chain: hashes and counts the bytes, then hands them on.
final class DigestingSink {
    let next: (UnsafeRawBufferPointer) throws -> Void
    var hasher = DigestHasher(.sha256)
    var size: Int64 = 0
    var error: (any Error)?
    /// Set when the layer failed: libarchive's closing flush is dropped.
    var abandoned = false

    init(next: @escaping (UnsafeRawBufferPointer) throws -> Void) {
        self.next = next
    }

    func receive(_ bytes: UnsafeRawBufferPointer) -> Bool {
        guard !abandoned, error == nil else { return false }
        do {
            try next(bytes)
        } catch {
            self.error = error
            return false
        }
        hasher.update(bytes)
        size += Int64(bytes.count)
        return true
    }
}

/// libarchive's write callback: the count on success, -1 on failure.
private func sinkWriteCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int
) -> Int {
    guard let client else { return -1 }
    let sink = Unmanaged<DigestingSink>.fromOpaque(client).takeUnretainedValue()
    return sink.receive(UnsafeRawBufferPointer(start: buffer, count: length)) ? length : -1
}
