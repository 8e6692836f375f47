import Glibc

/// Unix stream sockets by path: the shim's ttrpc socket, the console socket, the daemon's events socket.
enum UnixSocket {
    /// sun_path holds 108 bytes, the terminating NUL included.
    static let maxPathLength = 107

    private static func withAddress<T>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> T) throws(ShimError) -> T {
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count <= maxPathLength else {
            throw ShimError(.invalidArgument, "socket path \(path) is longer than \(maxPathLength) bytes")
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                body($0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
    }

    static func listen(_ path: String, backlog: Int32 = 128) throws(ShimError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ShimError.system("socket") }
        let bound = try withAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else {
            let code = errno
            close(fd)
            throw ShimError.system("bind \(path)", code)
        }
        guard Glibc.listen(fd, backlog) == 0 else {
            let code = errno
            close(fd)
            throw ShimError.system("listen \(path)", code)
        }
        return fd
    }

    /// A blocking connect (a unix socket answers at once or not at all); the caller sets non-blocking after.
    static func connect(_ path: String) throws(ShimError) -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw ShimError.system("socket") }
        let connected = try withAddress(path) { address, length in
            var result: Int32
            repeat { result = Glibc.connect(fd, address, length) } while result != 0 && errno == EINTR
            return result
        }
        guard connected == 0 else {
            let code = errno
            close(fd)
            throw ShimError.system("connect \(path)", code)
        }
        return fd
    }

    static func accept(_ listener: Int32) -> Int32 {
        // accept4 is a GNU extension Swift's Glibc does not export; the shim spawns nothing between the two calls.
        let fd = Glibc.accept(listener, nil, nil)
        if fd >= 0 {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            Sys.setNonBlocking(fd)
        }
        return fd
    }

    /// Strips the `unix://` prefix that shims print and TTRPC_ADDRESS may carry.
    static func path(fromAddress address: String) -> String {
        address.hasPrefix("unix://") ? String(address.dropFirst("unix://".count)) : address
    }
}
