import Foundation

/// Starting and watching containerd-shim-runc-v2 processes for ShimTests.
enum ShimProcess {
    static let binary = "/usr/bin/containerd-shim-runc-v2"
    static let namespace = "berth-test"

    static var canRun: Bool {
        FileManager.default.isExecutableFile(atPath: binary) && geteuid() == 0
    }

    /// `containerd-shim-runc-v2 -namespace NS -address A -publish-binary B -id ID start` in the bundle,
    /// as containerd's shim.Command builds it: stdin empty (no runc options), GOMAXPROCS=2, TTRPC_ADDRESS
    /// set, output combined (containerd reads it with CombinedOutput).
    static func runShimStart(
        id: String, bundle: String, containerdAddress: String, ttrpcAddress: String
    ) async throws -> (status: Int32, output: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["TTRPC_ADDRESS"] = ttrpcAddress
        environment["GOMAXPROCS"] = "2"
        // The shim finds runc on PATH.
        environment["PATH"] = (environment["PATH"].map { $0 + ":" } ?? "") + "/usr/sbin:/usr/bin:/sbin:/bin"
        let arguments = [
            "-namespace", namespace, "-address", containerdAddress, "-publish-binary", "/usr/bin/containerd",
            "-id", id, "start",
        ]
        return try await run(binary, arguments, environment: environment, directory: bundle)
    }

    /// Runs a program to completion: stdin /dev/null, stdout and stderr combined.
    ///
    /// posix_spawn and waitpid rather than Foundation's Process, whose waitUntilExit was seen to hang here
    /// with the child already a zombie. The blocking read and wait run on a Dispatch thread, not the pool;
    /// a program still running after 30 s is killed.
    static func run(
        _ path: String, _ arguments: [String], environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = "/"
    ) async throws -> (status: Int32, output: String) {
        var pipeFDs: [CInt] = [-1, -1]
        guard pipe(&pipeFDs) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        // Only the child's stdout/stderr copies may stay open in it, or EOF never comes.
        _ = fcntl(pipeFDs[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(pipeFDs[1], F_SETFD, FD_CLOEXEC)
        let pid: pid_t
        do {
            pid = try spawn(
                path, arguments: arguments, environment: environment, directory: directory, output: pipeFDs[1])
        } catch {
            close(pipeFDs[0])
            close(pipeFDs[1])
            throw error
        }
        close(pipeFDs[1])
        let readEnd = pipeFDs[0]
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            kill(pid, SIGKILL)
        }
        defer { watchdog.cancel() }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                // EOF comes when the program exits: the shim `start` spawns gets /dev/null for its output.
                let output = drain(readEnd, blocking: true)
                close(readEnd)
                var status: CInt = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let exitCode: Int32 = (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
                continuation.resume(returning: (exitCode, output))
            }
        }
    }

    static func spawn(
        _ path: String, arguments: [String], environment: [String: String], directory: String, output: CInt
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        // glibc has it, but Swift's Glibc module does not export the _np functions.
        typealias AddChdir = @convention(c) (
            UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>
        ) -> CInt
        guard let symbol = dlsym(nil, "posix_spawn_file_actions_addchdir_np") else { throw POSIXError(.ENOSYS) }
        let addChdir = unsafeBitCast(symbol, to: AddChdir.self)
        guard addChdir(&actions, directory) == 0 else { throw POSIXError(.EINVAL) }
        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, nil, argv, envp)
        guard result == 0 else { throw POSIXError(.init(rawValue: result) ?? .EIO) }
        return pid
    }

    /// Whether `pid` exists and is not a zombie. The serving shim is re-parented away from us; where
    /// pid 1 does not reap (as in this sandbox) it lingers as a zombie after exiting.
    static func isRunning(_ pid: pid_t) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        let state = stat[close...].dropFirst(2).first
        return state != "Z" && state != "X"
    }

    static func waitForExit(_ pid: pid_t, within limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while isRunning(pid) {
            guard clock.now < end else { return false }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return true
    }

    /// Runs `body`, giving up (and cancelling it) after `limit`. Returns whether it finished in time.
    static func within(_ limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return !Task.isCancelled
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Everything readable from `fd`: until EOF when blocking, else what is there now (the shim's log FIFO).
    static func drain(_ fd: CInt, blocking: Bool = false) -> String {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR && blocking { continue }
            guard count > 0 else { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
