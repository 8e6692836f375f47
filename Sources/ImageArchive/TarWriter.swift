import BerthCore
import CLibArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a pax (restricted: ustar unless an entry needs more) tar archive to a file descriptor through
/// libarchive. Entries carry no owner and time 0, as containerd's exporter writes them. Not thread-safe.
final class TarWriter {
    private let archive: OpaquePointer
    private var remaining: Int64 = 0
    private var entryName = ""

    init(fd: Int32) throws {
        guard let handle = archive_write_new() else { throw BerthError.unavailable("libarchive: out of memory") }
        archive = handle
        guard archive_write_set_format_pax_restricted(handle) == ARCHIVE_OK,
              archive_write_set_bytes_in_last_block(handle, 1) == ARCHIVE_OK,
              archive_write_open_fd(handle, fd) == ARCHIVE_OK
        else {
            // deinit frees the handle.
            let message = Self.errorString(handle)
            throw BerthError.unavailable("opening the archive for writing: \(message)")
        }
    }

    deinit {
        archive_write_free(archive)
    }

    func addDirectory(_ name: String, mode: UInt32 = 0o755) throws {
        try header(name: name, type: 0o040000, mode: mode, size: 0)
    }

    func beginFile(_ name: String, size: Int64, mode: UInt32) throws {
        try header(name: name, type: 0o100000, mode: mode, size: size)
    }

    /// Appends to the current file; refuses to write past the size its header declared.
    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(bytes.count) <= remaining else {
            throw BerthError.failedPrecondition("\(entryName): more bytes than its descriptor's size")
        }
        var offset = 0
        while offset < bytes.count {
            let written = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            guard written > 0 else {
                throw BerthError.unavailable("writing \(entryName) to the archive: \(Self.errorString(archive))")
            }
            offset += written
        }
        remaining -= Int64(bytes.count)
    }

    func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    /// Checks that the current file got all its bytes.
    func endFile() throws {
        guard remaining == 0 else {
            throw BerthError.failedPrecondition("\(entryName): \(remaining) bytes fewer than its descriptor's size")
        }
    }

    /// Writes the end-of-archive marker and flushes.
    func finish() throws {
        guard archive_write_close(archive) == ARCHIVE_OK else {
            throw BerthError.unavailable("finishing the archive: \(Self.errorString(archive))")
        }
    }

    private func header(name: String, type: UInt32, mode: UInt32, size: Int64) throws {
        guard let entry = archive_entry_new() else { throw BerthError.unavailable("libarchive: out of memory") }
        defer { archive_entry_free(entry) }
        archive_entry_set_pathname_utf8(entry, name)
        archive_entry_set_filetype(entry, type)
        archive_entry_set_perm(entry, mode_t(mode))
        archive_entry_set_size(entry, size)
        archive_entry_set_mtime(entry, 0, 0)
        archive_entry_set_uid(entry, 0)
        archive_entry_set_gid(entry, 0)
        guard archive_write_header(archive, entry) == ARCHIVE_OK else {
            throw BerthError.unavailable("writing \(name) to the archive: \(Self.errorString(archive))")
        }
        entryName = name
        remaining = size
    }

    private static func errorString(_ archive: OpaquePointer) -> String {
        if let text = archive_error_string(archive) { return String(cString: text) }
        return "unknown libarchive error"
    }
}
