import BerthCore
import CLibArchive

/// Hands one archive entry's bytes out in chunks, hashing and counting them, and optionally gzip-compressing
/// them. The stream ends normally only when the entry was read to its end with the expected size and digest;
/// otherwise the chunk request throws, so that no sink commits bytes that are not what the archive promised.
///
/// Used through `AsyncThrowingStream(unfolding:)`, whose element requests never overlap: the class is
/// `@unchecked Sendable` because its state is only touched by those sequential requests and by the importer
/// after the stream ended.
final class BlobPump: @unchecked Sendable {
    private let reader: TarReader
    private let name: String
    private let size: Int64
    private let expectedDigest: String?
    private var input: Digester
    private var output: Digester?
    private var compressor: GzipCompressor?
    private var pending: [UInt8] = []
    private var count: Int64 = 0
    private var inputDone = false

    /// The digest of the entry's bytes, once finished.
    private(set) var inputDigest: String?
    /// What the stream carried: the entry's bytes, or their gzip compression.
    private(set) var outputDigest: String?
    private(set) var outputSize: Int64 = 0
    private(set) var finished = false
    /// The first error the pump raised, which a sink may have wrapped.
    private(set) var failure: BerthError?

    init(reader: TarReader, name: String, size: Int64, expectedDigest: Digest?, compress: Bool) throws {
        self.reader = reader
        self.name = name
        self.size = size
        self.expectedDigest = expectedDigest?.description
        input = Digester(expectedDigest?.algorithm ?? .sha256)
        if compress {
            compressor = try GzipCompressor()
            output = Digester()
        }
    }

    /// The next chunk, nil at a verified end.
    func next() throws -> [UInt8]? {
        do {
            return try produce()
        } catch let error as BerthError {
            if failure == nil { failure = error }
            throw error
        }
    }

    /// Reads the entry to its end without handing it anywhere (hashing only).
    func drain() throws {
        while try next() != nil {}
    }

    private func produce() throws -> [UInt8]? {
        if finished { return nil }
        if inputDone {
            // Compressed: the last compressed bytes went out with the previous chunk.
            finishOutput()
            return nil
        }
        while true {
            let chunk = try [UInt8](unsafeUninitializedCapacity: ArchiveLimits.chunkSize) { buffer, initialized in
                initialized = try reader.read(into: UnsafeMutableRawBufferPointer(buffer))
            }
            if chunk.isEmpty {
                try finishInput()
                inputDone = true
                guard let compressor else {
                    finished = true
                    return nil
                }
                let tail = pending + (try compressor.finish())
                pending = []
                self.compressor = nil
                if tail.isEmpty {
                    finishOutput()
                    return nil
                }
                return emit(tail)
            }
            count += Int64(chunk.count)
            guard count <= size else {
                throw BerthError.invalidArgument("corrupt archive: \(name) holds more bytes than its header says")
            }
            input.update(chunk)
            guard let compressor else {
                outputSize += Int64(chunk.count)
                return chunk
            }
            pending += try compressor.compress(chunk)
            if pending.count >= ArchiveLimits.chunkSize {
                let out = pending
                pending = []
                return emit(out)
            }
        }
    }

    private func emit(_ compressed: [UInt8]) -> [UInt8] {
        output!.update(compressed)
        outputSize += Int64(compressed.count)
        return compressed
    }

    private func finishInput() throws {
        guard count == size else {
            throw BerthError.invalidArgument("corrupt or truncated archive: \(name) holds \(count) bytes, its header says \(size)")
        }
        let digest = input.finalize()
        if let expectedDigest, digest != expectedDigest {
            throw BerthError.invalidArgument("blob \(name) does not match its digest \(expectedDigest): its bytes hash to \(digest)")
        }
        inputDigest = digest
        if output == nil { outputDigest = digest }
    }

    private func finishOutput() {
        outputDigest = output?.finalize()
        finished = true
    }

}

/// gzip through libarchive's raw format, in memory: bytes in, compressed bytes out.
final class GzipCompressor {
    private let archive: OpaquePointer
    private let sink = CompressedBytes()

    init() throws {
        guard let handle = archive_write_new() else { throw BerthError.unavailable("libarchive: out of memory") }
        archive = handle
        archive_write_add_filter_gzip(handle)
        // No timestamp in the gzip header: the same layer compresses to the same bytes.
        _ = archive_write_set_filter_option(handle, "gzip", "timestamp", nil)
        archive_write_set_format_raw(handle)
        archive_write_set_bytes_per_block(handle, 0)
        archive_write_set_bytes_in_last_block(handle, 1)
        guard archive_write_open2(handle, Unmanaged.passUnretained(sink).toOpaque(), nil, compressedWriteCallback, nil, nil) == ARCHIVE_OK,
              let entry = archive_entry_new()
        else {
            // deinit frees the handle.
            throw BerthError.unavailable("libarchive: cannot start gzip compression")
        }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname(entry, "layer.tar")
        archive_entry_set_filetype(entry, 0o100000)
        archive_entry_set_perm(entry, 0o644)
        guard archive_write_header(handle, entry) == ARCHIVE_OK else {
            throw BerthError.unavailable("libarchive: cannot start gzip compression")
        }
    }

    deinit { archive_write_free(archive) }

    func compress(_ bytes: [UInt8]) throws -> [UInt8] {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = archive_write_data(archive, buffer.baseAddress! + offset, buffer.count - offset)
                guard written > 0 else { throw BerthError.unavailable("gzip compression failed") }
                offset += written
            }
        }
        return sink.take()
    }

    func finish() throws -> [UInt8] {
        guard archive_write_close(archive) == ARCHIVE_OK else { throw BerthError.unavailable("gzip compression failed") }
        return sink.take()
    }
}

final class CompressedBytes {
    var bytes: [UInt8] = []
    func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}

private func compressedWriteCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int
) -> Int {
    guard let client, let buffer else { return -1 }
    let sink = Unmanaged<CompressedBytes>.fromOpaque(client).takeUnretainedValue()
    sink.bytes.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: length))
    return length
}
