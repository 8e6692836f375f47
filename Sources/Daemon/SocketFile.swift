import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The unix socket file berthd listens on.
enum SocketFile {
    /// Makes the socket's folder and removes a stale socket left by a daemon that died.
    /// A socket that still answers belongs to a live server: that is an error, not something to remove.
    static func prepare(_ path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFSOCK else {
            throw BerthError.failedPrecondition("address \(path) exists and is not a socket")
        }
        if isListening(path) {
            throw BerthError.unavailable("address \(path) is in use by another running server")
        }
        guard unlink(path) == 0 else {
            throw BerthError.unavailable("cannot remove stale socket \(path): \(String(cString: strerror(errno)))")
        }
    }

    static func setPermissions(_ path: String, mode: mode_t, uid: UInt32?, gid: UInt32?) throws {
        guard chmod(path, mode) == 0 else {
            throw BerthError.unavailable("cannot chmod \(path): \(String(cString: strerror(errno)))")
        }
        if uid != nil || gid != nil {
            guard chown(path, uid ?? UInt32.max, gid ?? UInt32.max) == 0 else {
                throw BerthError.unavailable("cannot chown \(path): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func remove(_ path: String) {
        unlink(path)
    }

    private static func isListening(_ path: String) -> Bool {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return false }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        return result == 0
    }
}
