import CLinux
import Glibc

/// Thin wrappers over the system calls the shim uses, with errno turned into ShimError.
enum Sys {
    static func errorString(_ code: Int32) -> String { String(cString: strerror(code)) }

    static func setNonBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK) }
    }

    static func setBlocking(_ fd: Int32) {
        let flags = fcntl(fd, F_GETFL)
        if flags >= 0 { _ = fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) }
    }

    /// A close-on-exec pipe: children get only the ends handed to them explicitly.
    static func pipe() throws(ShimError) -> (read: Int32, write: Int32) {
        var fds: [Int32] = [-1, -1]
        guard berth_pipe_cloexec(&fds) == 0 else { throw ShimError.system("pipe") }
        return (fds[0], fds[1])
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(ShimError) -> Int32 {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw ShimError.system("open \(path)") }
        return fd
    }

    static func readAll(_ fd: Int32, limit: Int = 16 << 20) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        while result.count < limit {
            let count = read(fd, &chunk, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            result.append(contentsOf: chunk[0..<count])
        }
        return result
    }

    /// Writes everything, retrying on EINTR and partial writes; false if the descriptor refused.
    @discardableResult
    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                write(fd, raw.baseAddress.map { $0 + offset }, bytes.count - offset)
            }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }

    static func readFile(_ path: String, limit: Int = 16 << 20) -> [UInt8]? {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return readAll(fd, limit: limit)
    }

    static func readText(_ path: String) -> String? {
        readFile(path).map { String(decoding: $0, as: UTF8.self) }
    }

    static func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws(ShimError) {
        let fd = try open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        defer { close(fd) }
        guard writeAll(fd, bytes) else { throw ShimError.system("write \(path)") }
    }

    static func writeFile(_ path: String, _ text: String, mode: mode_t = 0o644) throws(ShimError) {
        try writeFile(path, Array(text.utf8), mode: mode)
    }

    /// mkdir -p, ignoring directories that exist already.
    static func makeDirectories(_ path: String, mode: mode_t = 0o711) throws(ShimError) {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, mode) != 0 && errno != EEXIST { throw ShimError.system("mkdir \(current)") }
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isFIFO(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFIFO
    }

    static func environment(_ name: String) -> String? {
        getenv(name).map { String(cString: $0) }
    }

    /// prctl is variadic, which Swift cannot call; its first two arguments are all we pass, as integers.
    static func setChildSubreaper() -> Bool {
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return false }
        let prctl = unsafeBitCast(symbol, to: Prctl.self)
        return prctl(36 /* PR_SET_CHILD_SUBREAPER */, 1, 0, 0, 0) == 0
    }

    /// Milliseconds on the monotonic clock.
    static func monotonicMilliseconds() -> Int64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return Int64(now.tv_sec) * 1000 + Int64(now.tv_nsec) / 1_000_000
    }

    static func sleepMilliseconds(_ milliseconds: Int) {
        var request = timespec(tv_sec: milliseconds / 1000, tv_nsec: (milliseconds % 1000) * 1_000_000)
        var remaining = timespec()
        while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
    }

    /// An exit as a shell reports it: the exit code, or 128 + the signal that killed the process.
    static func exitCode(fromWaitStatus status: Int32) -> UInt32 {
        let signal = status & 0x7f
        return signal == 0 ? UInt32((status >> 8) & 0xff) : UInt32(128 + signal)
    }
}
