import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A path as the kernel has it: bytes. Linux names need not be UTF-8, and String compares by canonical
/// equivalence, which would take two distinct names ("é" composed and decomposed) for one.
struct RawPath: Hashable {
    private(set) var bytes: [UInt8]

    init(_ bytes: [UInt8]) { self.bytes = bytes }
    init(_ string: String) { bytes = Array(string.utf8) }
    init(cString: UnsafePointer<CChar>) {
        bytes = Array(UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
    }

    static let empty = RawPath([])

    var isEmpty: Bool { bytes.isEmpty }

    /// `self/name` ("name" from the empty path).
    func appending(_ name: [UInt8]) -> RawPath {
        isEmpty ? RawPath(name) : RawPath(bytes + [UInt8(ascii: "/")] + name)
    }

    func appending(_ relative: RawPath) -> RawPath {
        relative.isEmpty ? self : appending(relative.bytes)
    }

    /// The directory part ("" for a top-level name).
    var parent: RawPath {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return .empty }
        return RawPath(Array(bytes[..<slash]))
    }

    var base: [UInt8] {
        guard let slash = bytes.lastIndex(of: UInt8(ascii: "/")) else { return bytes }
        return Array(bytes[(slash + 1)...])
    }

    /// NUL-terminated, for system calls and libarchive.
    var cString: [CChar] { bytes.map { CChar(bitPattern: $0) } + [0] }

    var display: String { String(decoding: bytes, as: UTF8.self) }

    /// lstat: never follows a final symlink.
    func status() throws -> stat {
        var info = stat()
        guard lstat(cString, &info) == 0 else { throw failure("lstat") }
        return info
    }

    /// The names in this directory (not `.` and `..`), in byte order as Go sorts them. The directory is
    /// opened without following a symlink.
    func directoryNames() throws -> [[UInt8]] {
        let fd = open(cString, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open") }
        guard let directory = fdopendir(fd) else {
            let error = self.failure("fdopendir")
            close(fd)
            throw error
        }
        defer { closedir(directory) }
        var names: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(directory) else {
                if errno != 0 { throw failure("readdir") }
                break
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix { $0 != 0 }) }
            if name == [UInt8(ascii: ".")] || name == [UInt8(ascii: "."), UInt8(ascii: ".")] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Opens this regular file for reading. Non-blocking, and checked after opening: a file swapped for a
    /// FIFO since the walk saw it must not hang the diff.
    func openRegularFile() throws -> Int32 {
        let fd = open(cString, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw failure("open") }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw BerthError(.aborted, "diffing \(display): it changed while it was read")
        }
        return fd
    }

    /// The target of this symlink, as bytes.
    func linkTarget() throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(cString, &buffer, buffer.count)
        guard count >= 0 else { throw failure("readlink") }
        guard count < buffer.count else { throw BerthError(.unknown, "readlink \(display): target too long") }
        return Array(buffer[..<count])
    }

    /// A failed system call on this path, worded like Go's *PathError, with errno as containerd's error kind.
    func failure(_ operation: String, code: Int32 = errno) -> BerthError {
        let kind: BerthError.Kind = switch code {
        case ENOENT, ENOTDIR: .notFound
        case EACCES, EPERM, EROFS: .permissionDenied
        case ENOSPC, EDQUOT: .resourceExhausted
        default: .unknown
        }
        return BerthError(kind, "\(operation) \(display): \(String(cString: strerror(code)))")
    }
}
