import BerthCore
import Glibc

/// A listening unix socket as a plain descriptor, for a child process to inherit (a shim's fd 3).
enum UnixListener {
    /// Binds and listens on `path` (close-on-exec), then sets the file's mode; the caller closes the descriptor.
    static func listen(path: String, mode: mode_t, backlog: Int32 = 128) throws -> Int32 {
        guard var address = socketAddress(path) else { throw BerthError.invalidArgument("socket path \(path) is too long") }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw failure("socket \(path)") }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, Glibc.listen(fd, backlog) == 0, chmod(path, mode) == 0 else {
            let error = failure("listen on \(path)")
            close(fd)
            if bound == 0 { unlink(path) }
            throw error
        }
        return fd
    }

    /// Whether something listens on `path` now (a connect succeeds).
    static func isServed(path: String) -> Bool {
        guard var address = socketAddress(path) else { return false }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        } == 0
    }

    /// The address of `path`, if it fits sun_path with its terminating NUL.
    private static func socketAddress(_ path: String) -> sockaddr_un? {
        var address = sockaddr_un()
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { return nil }
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }

    private static func failure(_ what: String) -> BerthError {
        BerthError(.unknown, "\(what): \(String(cString: strerror(errno)))")
    }
}
