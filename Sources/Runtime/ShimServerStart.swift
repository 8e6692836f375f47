import BerthCore
import CLinux
import Foundation
import SwiftProtobuf

/// Starts a shim's server the way the shim's own `start` command would, for the shims whose `start` is known
/// (containerd's runc v2 shim and Berth's). `start` is a process run for a socket, a file and a spawn: for
/// runc-v2 a whole Go program, about 6.5 ms of CPU and 7 ms of latency per task; for Berth's shim about 4 ms.
/// The server ends up as `start` would leave it: same socket, bundle files, flags, environment and process
/// placement. The daemon is its parent, so it must reap it.
struct ShimServerStart {
    var socketDirectory: String
    var socketPath: String
    var arguments: [String]
    var environment: [String: String]
    /// Berth's shim runs in a session of its own; runc-v2's in a process group of its own.
    var newSession = false
    /// runc-v2's start gives its server an OOM score one above the daemon's.
    var adjustsOOMScore = false
    /// Berth's start records the server's pid in the bundle's `shim.pid`.
    var writesPidFile = false

    var address: String { "unix://" + socketPath }

    /// How to start the task's shim here, or nil when its `start` command must run.
    static func plan(
        binary: String, bundle: TaskBundle, spec: Data, options: Google_Protobuf_Any?,
        config: RuntimeConfig, environment: [String: String]
    ) -> ShimServerStart? {
        switch (binary as NSString).lastPathComponent {
        case Runc.binaryName:
            guard Runc.applies(spec: spec, options: options, environment: environment) else { return nil }
            return runc(bundle: bundle, daemonAddress: config.daemonAddress, environment: environment)
        case Berth.binaryName:
            return berth(bundle: bundle, config: config, environment: environment)
        default:
            return nil
        }
    }

    /// Listens on the socket, writes the bundle's `address` (and `shim.pid`) file and spawns the server with
    /// the listener as fd 3 and stdio on /dev/null; returns the server's pid and the socket's inode.
    func launch(binary: String, bundle: TaskBundle) throws -> (pid: pid_t, socket: ino_t) {
        try Self.makeDirectory(socketDirectory)
        // A socket left by a shim that died without cleaning up is in the way, as in either start.
        unlink(socketPath)
        let listener = try UnixListener.listen(path: socketPath, mode: 0o600)
        defer { close(listener) }
        do {
            try StateFile.replace(address, at: bundle.path + "/address")
            let null = open("/dev/null", O_RDWR | O_CLOEXEC)
            guard null >= 0 else { throw BerthError(.unknown, "open /dev/null: \(String(cString: strerror(errno)))") }
            defer { close(null) }
            let pid = try ChildProcess.spawn(
                executable: binary, arguments: arguments, directory: bundle.path, environment: environment,
                descriptors: [null, null, null, listener], newSession: newSession)
            if adjustsOOMScore { Self.adjustOOMScore(pid) }
            if writesPidFile { try? StateFile.write("\(pid)", to: bundle.path + "/shim.pid") }
            var info = stat()  // the file's inode (the listener's own is the socket's, not the path's)
            return (pid, lstat(socketPath, &info) == 0 ? info.st_ino : 0)
        } catch {
            unlink(socketPath)
            throw error
        }
    }

    /// Removes the socket of a server that has exited, if it is still the one `launch` made: a server that
    /// is killed cannot remove it itself, and both starts leave it (containerd too). A task of the same id may
    /// have a new socket there already, which stays.
    static func removeSocket(_ path: String, inode: ino_t) {
        var info = stat()
        guard inode != 0, lstat(path, &info) == 0, info.st_ino == inode, (info.st_mode & S_IFMT) == S_IFSOCK else { return }
        unlink(path)
    }

    /// shim.AdjustOOMScore: one above the parent's (ours), so that the OOM killer picks a shim before the daemon.
    static func adjustOOMScore(_ pid: pid_t) {
        guard let score = daemonOOMScore else { return }
        let fd = open("/proc/\(pid)/oom_score_adj", O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        let text = Array(String(min(score + 1, 1000)).utf8)
        _ = text.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// berthd's own score, read once (it does not change its own).
    private static let daemonOOMScore: Int? = (try? String(contentsOfFile: "/proc/self/oom_score_adj", encoding: .utf8))
        .flatMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// The socket folder, made (0711, as both starts make it) if missing: one mkdir where it exists already.
    private static func makeDirectory(_ path: String) throws {
        guard mkdir(path, 0o711) != 0, errno != EEXIST else { return }
        try FileManager.default.createDirectory(
            atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o711])
    }
}
