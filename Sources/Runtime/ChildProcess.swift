import BerthCore
import CLinux
import Foundation
import Glibc

/// Runs a short-lived helper (a shim's `start` or `delete`) to completion without blocking a Swift
/// concurrency thread. Spawned with posix_spawn and pipes opened close-on-exec: the long-lived shim that
/// `start` forks must not inherit any descriptor of ours, or reading its parent's output would never end.
/// (Foundation's Process was not used for this reason: its exit watch relies on a descriptor the grandchild kept.)
struct ChildProcess {
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
    }

    var executable: String
    var arguments: [String]
    var directory: String?
    var environment: [String: String]
    var stdin: Data?

    func run() async throws -> Output {
        let stdinPipe = try Self.pipe()
        let stdoutPipe = try Self.pipe()
        let stderrPipe = try Self.pipe()
        let child: pid_t
        do {
            child = try Self.spawn(
                executable: executable, arguments: arguments, directory: directory, environment: environment,
                descriptors: [stdinPipe.read, stdoutPipe.write, stderrPipe.write])
        } catch {
            for fd in [stdinPipe.read, stdoutPipe.write, stderrPipe.write, stdinPipe.write, stdoutPipe.read, stderrPipe.read] {
                close(fd)
            }
            throw error
        }
        for fd in [stdinPipe.read, stdoutPipe.write, stderrPipe.write] { close(fd) }
        let input = stdin ?? Data()
        let writeFD = stdinPipe.write
        let (stdoutFD, stderrFD) = (stdoutPipe.read, stderrPipe.read)
        return await withCheckedContinuation { continuation in
            Thread.detachNewThread {
                Self.writeAll(input, to: writeFD)
                close(writeFD)
                let errors = Self.Collector(stderrFD)
                let output = Self.readAll(stdoutFD)
                let status = Self.wait(child)
                continuation.resume(returning: Output(status: status, stdout: output, stderr: errors.finish()))
            }
        }
    }

    /// posix_spawn with child descriptor i a copy of `descriptors[i]` and nothing else: a descriptor the daemon
    /// inherited (say, a parent's exit watch) must not live on in a shim that outlives us. The child gets a
    /// process group (or a session) of its own, so a ^C meant for the daemon's terminal does not reach it.
    static func spawn(
        executable: String, arguments: [String], directory: String?, environment: [String: String], descriptors: [Int32],
        newSession: Bool = false
    ) throws -> pid_t {
        // Copies above every target number first: dup2 onto itself would leave close-on-exec set.
        let sources = descriptors.map { fcntl($0, F_DUPFD_CLOEXEC, 64) }
        defer { for fd in sources where fd >= 0 { close(fd) } }
        guard !sources.contains(where: { $0 < 0 }) else {
            throw BerthError(.unknown, "dup: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
        }
        berth_spawn_file_actions_addclosefrom(&actions, Int32(descriptors.count))
        if let directory { berth_spawn_file_actions_addchdir(&actions, directory) }
        // The spawning thread's signal mask is NIO's (nearly everything blocked) and berthd ignores SIGPIPE: a
        // child starts with neither, or a shim would never see its children's SIGCHLD.
        var attributes = posix_spawnattr_t()
        berth_spawnattr_init_clean(&attributes, Int32(newSession ? BERTH_SPAWN_NEW_SESSION : BERTH_SPAWN_NEW_GROUP))
        defer { posix_spawnattr_destroy(&attributes) }

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard spawned == 0 else {
            throw BerthError(.unknown, "exec \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard berth_pipe_cloexec(&fds) == 0 else {
            throw BerthError(.unknown, "pipe: \(String(cString: strerror(errno)))")
        }
        return (fds[0], fds[1])
    }

    private static func writeAll(_ data: Data, to fd: Int32) {
        data.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count, let base = bytes.baseAddress {
                let written = write(fd, base + offset, bytes.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }

    static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = read(fd, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            data.append(contentsOf: buffer[0..<count])
        }
        close(fd)
        return data
    }

    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        // WIFEXITED / WEXITSTATUS, and 128+signal for a killed helper, as a shell reports it.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    /// Reads a second pipe on its own thread while the first is read, so neither can fill up and stall.
    private final class Collector: @unchecked Sendable {
        private let done = DispatchSemaphore(value: 0)
        private var data = Data()

        init(_ fd: Int32) {
            Thread.detachNewThread { [self] in
                data = ChildProcess.readAll(fd)
                done.signal()
            }
        }

        func finish() -> Data {
            done.wait()
            return data
        }
    }
}
