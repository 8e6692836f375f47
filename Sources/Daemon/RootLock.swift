import BerthCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// An exclusive lock on the root folder, so that two daemons never share one database and store.
/// flock is released by the kernel when the process dies, so a crashed daemon leaves no stale lock.
public final class RootLock: Sendable {
    public static let fileName = "berthd.lock"
    let descriptor: Int32
    public let path: String

    public init(root: String) throws {
        path = root + "/" + Self.fileName
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BerthError.unavailable("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = Self.readPID(fd)
            close(fd)
            let who = holder.map { "another berthd (pid \($0))" } ?? "another berthd"
            throw BerthError.unavailable("\(who) is already running with root \(root) (lock \(path) is held)")
        }
        descriptor = fd
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    deinit {
        close(descriptor)
    }

    private static func readPID(_ fd: Int32) -> Int? {
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = pread(fd, &buffer, buffer.count, 0)
        guard count > 0 else { return nil }
        return Int(String(decoding: buffer[0..<count], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
