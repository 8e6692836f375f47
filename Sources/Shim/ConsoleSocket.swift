import Glibc

/// The `--console-socket` runc sends the pty master through (SCM_RIGHTS), as go-runc's NewTempConsoleSocket.
final class ConsoleSocket {
    nonisolated(unsafe) private static var counter = 0

    let path: String
    private let listener: Int32

    init() throws(ShimError) {
        Self.counter += 1
        try Sys.makeDirectories("/run/berth/pty", mode: 0o700)
        path = "/run/berth/pty/\(getpid())-\(Self.counter).sock"
        unlink(path)
        listener = try UnixSocket.listen(path, backlog: 1)
    }

    /// Takes the master runc sent; runc has already connected and sent it when create/exec returned.
    func receiveMaster(timeoutMilliseconds: Int32 = 10_000) throws(ShimError) -> Int32 {
        var waiting = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        guard poll(&waiting, 1, timeoutMilliseconds) == 1 else {
            throw ShimError(.unknown, "no console received from the runtime")
        }
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { throw ShimError.system("accept console socket") }
        defer { Glibc.close(connection) }
        _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
        var name = [UInt8](repeating: 0, count: 4096)
        var control = [UInt8](repeating: 0, count: 64)
        let received: Int = name.withUnsafeMutableBytes { nameBytes in
            control.withUnsafeMutableBytes { controlBytes in
                var vector = iovec(iov_base: nameBytes.baseAddress, iov_len: nameBytes.count)
                return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                    var message = msghdr()
                    message.msg_iov = vectorPointer
                    message.msg_iovlen = 1
                    message.msg_control = controlBytes.baseAddress
                    message.msg_controllen = controlBytes.count
                    var count: Int
                    repeat { count = recvmsg(connection, &message, Int32(MSG_CMSG_CLOEXEC)) } while count < 0 && errno == EINTR
                    return count < 0 ? -1 : message.msg_controllen
                }
            }
        }
        guard received >= 0 else { throw ShimError.system("receive console") }
        guard let master = Self.descriptor(fromControl: Array(control.prefix(received))) else {
            throw ShimError(.unknown, "console socket: no descriptor received")
        }
        return master
    }

    /// The first SCM_RIGHTS descriptor in a control buffer (struct cmsghdr: size_t len, int level, int type).
    static func descriptor(fromControl control: [UInt8]) -> Int32? {
        let headerLength = MemoryLayout<Int>.size + 8
        guard control.count >= headerLength + 4 else { return nil }
        let (level, type, fd): (Int32, Int32, Int32) = control.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: MemoryLayout<Int>.size, as: Int32.self),
             raw.loadUnaligned(fromByteOffset: MemoryLayout<Int>.size + 4, as: Int32.self),
             raw.loadUnaligned(fromByteOffset: headerLength, as: Int32.self))
        }
        guard level == SOL_SOCKET, type == 1 /* SCM_RIGHTS */ else { return nil }
        return fd
    }

    func close() {
        Glibc.close(listener)
        unlink(path)
    }
}
