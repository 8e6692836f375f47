import BerthCore
import CLibArchive

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a tar archive, plain or compressed, entry by entry through libarchive. Skipping an entry's data
/// seeks when the file is uncompressed and seekable, but never past the file's end, so that a truncated archive
/// is reported as such instead of silently ending early. Not thread-safe: one task at a time.
final class TarReader {
    enum Kind: Equatable {
        case regular
        case directory
        case symlink(target: String)
        case hardlink(target: String)
        /// Devices, FIFOs, sockets: ignored, as containerd does.
        case other
    }

    struct Entry {
        /// Cleaned, relative, without `..` components (see `ArchivePath.clean`).
        var name: String
        var kind: Kind
        var size: Int64
    }

    private let archive: OpaquePointer
    private let input: InputFile
    /// The current entry's name, for error messages.
    private(set) var current: String?

    init(path: String) throws {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            let message = "open \(path): \(String(cString: strerror(code)))"
            throw code == ENOENT ? BerthError.notFound(message) : BerthError.invalidArgument(message)
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            close(fd)
            throw BerthError.invalidArgument("stat \(path): \(String(cString: strerror(errno)))")
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            close(fd)
            throw BerthError.invalidArgument("\(path) is a directory, not an archive")
        }
        input = InputFile(fd: fd, size: (info.st_mode & S_IFMT) == S_IFREG ? Int64(info.st_size) : nil)
        guard let handle = archive_read_new() else {
            close(fd)
            throw BerthError.unavailable("libarchive: out of memory")
        }
        archive = handle
        // Formats: tar in all its dialects (ustar, pax, GNU). Filters: the compressions libarchive implements
        // itself; none that would run an external program on untrusted input.
        archive_read_support_format_tar(handle)
        archive_read_support_filter_gzip(handle)
        archive_read_support_filter_bzip2(handle)
        archive_read_support_filter_xz(handle)
        archive_read_support_filter_lzma(handle)
        archive_read_support_filter_zstd(handle)
        let result = archive_read_open2(
            handle, Unmanaged.passUnretained(input).toOpaque(), nil, tarReadCallback, tarSkipCallback, nil)
        guard result == ARCHIVE_OK else {
            // deinit frees the handle and closes the file.
            let message = Self.errorString(handle, input)
            throw BerthError.invalidArgument("\(path) is not a tar archive: \(message)")
        }
    }

    deinit {
        archive_read_free(archive)
        close(input.fd)
    }

    /// The next entry, or nil at the archive's end.
    func next() throws -> Entry? {
        var entryPointer: OpaquePointer?
        let result = archive_read_next_header(archive, &entryPointer)
        if result == ARCHIVE_EOF {
            current = nil
            return nil
        }
        guard result == ARCHIVE_OK || result == ARCHIVE_WARN, let entry = entryPointer else {
            throw corrupt(after: current)
        }
        let raw: String
        if let name = archive_entry_pathname_utf8(entry) {
            raw = String(cString: name)
        } else if let name = archive_entry_pathname(entry), let decoded = String(validatingCString: name) {
            raw = decoded
        } else {
            throw BerthError.invalidArgument("archive entry with a name that is not UTF-8")
        }
        let name = try ArchivePath.clean(raw)
        current = name
        let kind: Kind
        if let link = archive_entry_hardlink(entry) {
            kind = .hardlink(target: String(cString: link))
        } else {
            switch UInt32(archive_entry_filetype(entry)) & 0o170000 {
            case 0o100000: kind = .regular
            case 0o040000: kind = .directory
            case 0o120000:
                guard let link = archive_entry_symlink(entry) else {
                    throw BerthError.invalidArgument("archive entry \"\(raw)\": symbolic link without a target")
                }
                kind = .symlink(target: String(cString: link))
            default: kind = .other
            }
        }
        let size = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : 0
        guard size >= 0 else { throw BerthError.invalidArgument("archive entry \"\(raw)\": negative size") }
        return Entry(name: name, kind: kind, size: kind == .regular ? size : 0)
    }

    /// Reads the current entry's data; 0 at its end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = archive_read_data(archive, buffer.baseAddress, buffer.count)
        guard count >= 0 else { throw corrupt(after: nil) }
        return count
    }

    /// Reads the rest of the current entry into memory, failing past `limit` bytes.
    func readAll(limit: Int, what: String) throws -> [UInt8] {
        var bytes = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try read(into: $0) }
            if count == 0 { return bytes }
            guard bytes.count + count <= limit else {
                throw BerthError.invalidArgument("\(what) is larger than the \(limit / (1024 * 1024)) MiB limit for JSON documents")
            }
            bytes.append(contentsOf: chunk[0..<count])
        }
    }

    private func corrupt(after name: String?) -> BerthError {
        let message = Self.errorString(archive, input)
        if let name {
            return BerthError.invalidArgument("corrupt or truncated archive (at \"\(name)\"): \(message)")
        }
        return BerthError.invalidArgument("corrupt or truncated archive: \(message)")
    }

    private static func errorString(_ archive: OpaquePointer, _ input: InputFile) -> String {
        if let error = input.error { return error }
        if let text = archive_error_string(archive) { return String(cString: text) }
        return "unknown libarchive error"
    }
}

/// The file libarchive reads through the callbacks below.
final class InputFile {
    let fd: Int32
    /// Size of a regular file; nil for pipes and devices, which are never seeked.
    let size: Int64?
    let buffer: UnsafeMutableRawPointer
    let bufferSize = 128 * 1024
    var error: String?

    init(fd: Int32, size: Int64?) {
        self.fd = fd
        self.size = size
        buffer = UnsafeMutableRawPointer.allocate(byteCount: bufferSize, alignment: 16)
    }

    deinit { buffer.deallocate() }
}

private func tarReadCallback(
    _ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?
) -> Int {
    guard let client, let out else { return -1 }
    let input = Unmanaged<InputFile>.fromOpaque(client).takeUnretainedValue()
    while true {
        let count = read(input.fd, input.buffer, input.bufferSize)
        if count < 0 {
            if errno == EINTR { continue }
            input.error = "read: \(String(cString: strerror(errno)))"
            return -1
        }
        out.pointee = UnsafeRawPointer(input.buffer)
        return count
    }
}

/// Skips forward by seeking, never beyond the end of the file: what cannot be skipped is left for libarchive
/// to read, which then reports a truncated archive.
private func tarSkipCallback(_ archive: OpaquePointer?, _ client: UnsafeMutableRawPointer?, _ request: Int64) -> Int64 {
    guard let client, request > 0 else { return 0 }
    let input = Unmanaged<InputFile>.fromOpaque(client).takeUnretainedValue()
    guard let size = input.size else { return 0 }
    let position = lseek(input.fd, 0, SEEK_CUR)
    guard position >= 0 else { return 0 }
    let step = min(request, max(0, size - Int64(position)))
    guard step > 0, lseek(input.fd, off_t(step), SEEK_CUR) >= 0 else { return 0 }
    return step
}

/// Entry names as the importer sees them.
enum ArchivePath {
    /// Go's path.Clean of a relative name; absolute names and names with `..` components are refused,
    /// so that no name can point outside the archive.
    static func clean(_ raw: String) throws -> String {
        guard !raw.isEmpty else { throw BerthError.invalidArgument("archive entry with an empty name") }
        guard !raw.hasPrefix("/") else {
            throw BerthError.invalidArgument("archive entry \"\(raw)\" has an absolute path")
        }
        var parts: [Substring] = []
        for part in raw.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                throw BerthError.invalidArgument("archive entry \"\(raw)\" has a \"..\" component")
            }
            parts.append(part)
        }
        guard !parts.isEmpty else { return "." }
        return parts.joined(separator: "/")
    }

    /// Where a symbolic link at `name` pointing to `target` leads, inside the archive; nil when it leaves it.
    static func resolve(link name: String, target: String) -> String? {
        guard !target.hasPrefix("/") else { return nil }
        var parts = name.split(separator: "/").dropLast().map(String.init)
        for part in target.split(separator: "/", omittingEmptySubsequences: true) {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
                continue
            }
            parts.append(String(part))
        }
        return parts.isEmpty ? nil : parts.joined(separator: "/")
    }
}
