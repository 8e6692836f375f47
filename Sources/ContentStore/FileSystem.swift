import BerthCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thin POSIX wrappers: the store needs exact control over fsync, rename and partial I/O,
/// which Foundation's file APIs hide.
enum FileSystem {
    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw systemError("open", path, errno) }
        }
    }

    static func close(_ fd: Int32) {
        // POSIX leaves the descriptor state unspecified after EINTR; retrying could close a reused fd.
        _ = systemClose(fd)
    }

    static func sync(_ fd: Int32, path: String) throws {
        while fsync(fd) != 0 {
            if errno != EINTR { throw systemError("sync", path, errno) }
        }
    }

    /// Writes all of `bytes` at `offset`. Returns how many bytes reached the file and, on failure, the errno.
    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64) -> (written: Int, error: Int32?) {
        guard let base = bytes.baseAddress else { return (0, nil) }
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, base + done, bytes.count - done, off_t(offset + Int64(done)))
            if n > 0 {
                done += n
            } else if n == 0 {
                return (done, EIO)
            } else if errno != EINTR {
                return (done, errno)
            }
        }
        return (done, nil)
    }

    /// Fills `buffer` from `offset` until it is full or the file ends; returns the bytes read.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws -> Int {
        guard let base = buffer.baseAddress else { return 0 }
        var done = 0
        while done < buffer.count {
            let n = pread(fd, base + done, buffer.count - done, off_t(offset + Int64(done)))
            if n > 0 {
                done += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                throw systemError("read", path, errno)
            }
        }
        return done
    }

    static func status(_ path: String) throws -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else { throw systemError("stat", path, errno) }
        return info
    }

    /// lstat, or nil when nothing is there.
    static func linkStatus(_ path: String) throws -> stat? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT { return nil }
            throw systemError("lstat", path, errno)
        }
        return info
    }

    static func status(of fd: Int32, path: String) throws -> stat {
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw systemError("stat", path, errno) }
        return info
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        let fd = try open(path, O_RDONLY)
        defer { close(fd) }
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = try chunk.withUnsafeMutableBytes { try readFully(fd, into: $0, at: Int64(result.count), path: path) }
            result += chunk[0..<n]
            if n < chunk.count { return result }
        }
    }

    /// Replaces `path` with `bytes` so that readers see the old or the new content, never a torn
    /// write: a daemon killed mid-ingest must leave metadata that still parses. Not fsynced (containerd
    /// uses O_SYNC): after a power loss an ingest's data is not durable either, and metadata that comes back
    /// empty only makes the next writer start the ingest over. Skipping it saves several fsyncs per blob.
    static func writeFileAtomically(_ path: String, _ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try StateFile.replace($0, at: path) }
    }

    static func rename(_ source: String, to target: String) throws {
        guard systemRename(source, target) == 0 else { throw systemError("rename", "\(source) \(target)", errno) }
    }

    /// Removes a file; false when it was not there.
    @discardableResult
    static func unlink(_ path: String) throws -> Bool {
        guard systemUnlink(path) == 0 else {
            if errno == ENOENT { return false }
            throw systemError("remove", path, errno)
        }
        return true
    }

    /// Creates one directory; false when it already exists.
    @discardableResult
    static func makeDirectory(_ path: String, mode: mode_t = 0o755) throws -> Bool {
        guard mkdir(path, mode) == 0 else {
            if errno == EEXIST { return false }
            throw systemError("mkdir", path, errno)
        }
        return true
    }

    /// mkdir -p.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            try makeDirectory(prefix, mode: mode)
        }
    }

    /// fsync a directory so that a rename into it survives a crash.
    static func syncDirectory(_ path: String) throws {
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: path)
    }

    /// Names in a directory, without "." and "..".
    static func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw systemError("open", path, errno) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafePointer(to: &entry.pointee.d_name) { pointer in
                pointer.withMemoryRebound(to: CChar.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(cString: $0)
                }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// rm -rf; false when nothing was there. Symlinks are removed, never followed.
    @discardableResult
    static func removeTree(_ path: String) throws -> Bool {
        guard let info = try linkStatus(path) else { return false }
        if info.st_mode & S_IFMT == S_IFDIR {
            for name in try listDirectory(path) {
                try removeTree(path + "/" + name)
            }
            guard rmdir(path) == 0 || errno == ENOENT else { throw systemError("remove", path, errno) }
            return true
        }
        return try unlink(path)
    }

    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}

// Module-qualified aliases: inside `enum FileSystem` the names open/close/rename/unlink refer to
// the wrappers above.
#if canImport(Glibc)
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
private func systemRename(_ source: String, _ target: String) -> Int32 { Glibc.rename(source, target) }
private func systemClose(_ fd: Int32) -> Int32 { Glibc.close(fd) }
private func systemUnlink(_ path: String) -> Int32 { Glibc.unlink(path) }
#elseif canImport(Darwin)
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
private func systemRename(_ source: String, _ target: String) -> Int32 { Darwin.rename(source, target) }
private func systemClose(_ fd: Int32) -> Int32 { Darwin.close(fd) }
private func systemUnlink(_ path: String) -> Int32 { Darwin.unlink(path) }
#endif
