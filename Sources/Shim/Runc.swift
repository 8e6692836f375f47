import Glibc

/// The OCI runtime binary (runc by default, crun or another named by the runc options' BinaryName),
/// called synchronously on the shim's thread. Its own errors go to a JSON log in the bundle, because
/// `create` and `exec` hand runc's stdio to the container and cannot capture them.
struct Runc {
    static let defaultRoot = "/run/containerd/runc"

    var binary: String
    /// The state directory: `<root>/<namespace>`, as containerd-shim-runc-v2 uses.
    var root: String
    var logPath: String
    var systemdCgroup = false

    var globalArguments: [String] {
        ["--root", root, "--log", logPath, "--log-format", "json"] + (systemdCgroup ? ["--systemd-cgroup"] : [])
    }

    /// Runs one command to completion and returns its stdout. `stdio`, when given, becomes the child's
    /// 0, 1, 2 (create/exec: the container inherits them); otherwise output is captured and `input` fed in.
    @discardableResult
    func run(_ arguments: [String], stdio: [Int32]? = nil, input: [UInt8]? = nil) throws(ShimError) -> [UInt8] {
        _ = truncate(logPath, 0)
        let null = Glibc.open("/dev/null", O_RDWR | O_CLOEXEC)
        defer { if null >= 0 { close(null) } }
        if let stdio {
            let pid = try ChildSpawn(executable: binary, arguments: globalArguments + arguments, descriptors: stdio).spawn()
            let status = ChildSpawn.wait(pid)
            guard status == 0 else { throw failure(arguments, status: status, stderr: []) }
            return []
        }
        let stdout = try Sys.pipe()
        let stderr: (read: Int32, write: Int32)
        do { stderr = try Sys.pipe() } catch { close(stdout.read); close(stdout.write); throw error }
        var stdin: (read: Int32, write: Int32)? = nil
        if input != nil { stdin = try? Sys.pipe() }
        let pid: pid_t
        do {
            pid = try ChildSpawn(
                executable: binary, arguments: globalArguments + arguments,
                descriptors: [stdin?.read ?? null, stdout.write, stderr.write]
            ).spawn()
        } catch {
            for fd in [stdout.read, stdout.write, stderr.read, stderr.write, stdin?.read ?? -1, stdin?.write ?? -1] where fd >= 0 {
                close(fd)
            }
            throw error
        }
        close(stdout.write)
        close(stderr.write)
        if let stdin {
            close(stdin.read)
            Sys.writeAll(stdin.write, input ?? [])
            close(stdin.write)
        }
        let output = Sys.readAll(stdout.read)
        close(stdout.read)
        let errors = Sys.readAll(stderr.read, limit: 64 << 10)
        close(stderr.read)
        let status = ChildSpawn.wait(pid)
        guard status == 0 else { throw failure(arguments, status: status, stderr: errors) }
        return output
    }

    /// runc's own last error (it names the command already: "runc create failed: ..."), else what it printed.
    private func failure(_ arguments: [String], status: Int32, stderr: [UInt8]) -> ShimError {
        if let logged = Sys.readFile(logPath, limit: 1 << 20).flatMap(RuncOutput.lastError(inLog:)) {
            return ShimError(.unknown, logged)
        }
        let name = binary.split(separator: "/").last.map(String.init) ?? binary
        let printed = String(decoding: stderr, as: UTF8.self).trimmingWhitespace()
        let detail = printed.isEmpty ? "exit status \(Sys.exitCode(fromWaitStatus: status))" : printed
        return ShimError(.unknown, "\(name) \(arguments.first ?? "") failed: \(detail)")
    }
}
