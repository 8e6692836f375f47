import CLinux
import Glibc

/// A child process started with posix_spawn: descriptors mapped to exactly 0...n-1 and nothing else
/// inherited, SIGPIPE back to its default (the shim ignores it), optionally in a session of its own.
struct ChildSpawn {
    var executable: String
    var arguments: [String]
    /// Child descriptor i is a copy of descriptors[i].
    var descriptors: [Int32]
    var directory: String?
    var newSession = false
    var environment: [String]?

    func spawn() throws(ShimError) -> pid_t {
        // Copies above every target number first, so a mapping like 3→4, 4→3 cannot clobber itself.
        let sources = descriptors.map { fcntl($0, F_DUPFD_CLOEXEC, 64) }
        defer { for fd in sources where fd >= 0 { close(fd) } }
        guard !sources.contains(where: { $0 < 0 }) else { throw ShimError.system("dup") }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for (target, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&actions, source, Int32(target))
        }
        berth_spawn_file_actions_addclosefrom(&actions, Int32(descriptors.count))
        if let directory { berth_spawn_file_actions_addchdir(&actions, directory) }

        var attributes = posix_spawnattr_t()
        berth_spawnattr_init_clean(&attributes, Int32(newSession ? BERTH_SPAWN_NEW_SESSION : BERTH_SPAWN_SAME_GROUP))
        defer { posix_spawnattr_destroy(&attributes) }

        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for argument in argv { free(argument) } }
        let envp: [UnsafeMutablePointer<CChar>?] = (environment ?? Self.currentEnvironment()).map { strdup($0) } + [nil]
        defer { for variable in envp { free(variable) } }
        var pid: pid_t = 0
        let result = executable.contains("/")
            ? posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
            : posix_spawnp(&pid, executable, &actions, &attributes, argv, envp)
        guard result == 0 else { throw ShimError(.unknown, "exec \(executable): \(Sys.errorString(result))") }
        return pid
    }

    /// The shim's environment (`environ` is not reachable from Swift 6 without a data-race warning).
    static func currentEnvironment() -> [String] {
        guard let bytes = Sys.readFile("/proc/self/environ") else { return [] }
        return bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }

    /// Waits for one specific child, retrying on EINTR; returns its raw wait status.
    static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return status
    }
}
