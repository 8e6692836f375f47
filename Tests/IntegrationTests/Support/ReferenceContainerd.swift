import Foundation

/// A daemon that serves containerd's v1 API on a unix socket and keeps its blobs at containerd's path under `root`:
/// berthd (`DaemonProcess`) or the real containerd (`ReferenceContainerd`), so one test body can run against both.
protocol ServingDaemon: AnyObject, Sendable {
    var socket: String { get }
    var root: String { get }
    /// Stops the daemon and removes its folders.
    func release()
}

extension ServingDaemon {
    /// Runs the stock ctr against this daemon: `ctr --address SOCK [--namespace N] arguments...`, with stdin read
    /// from the file `stdinFile` (else /dev/null) and stdout written to the file `stdoutFile` (else captured).
    func ctr(
        _ arguments: [String], namespace: String? = nil, stdinFile: String? = nil, stdoutFile: String? = nil,
        timeout: TimeInterval = 60
    ) throws -> CommandResult {
        var global = ["--address", socket]
        if let namespace { global += ["--namespace", namespace] }
        return try Command.runRedirected(
            Binaries.ctr, global + arguments, stdinFile: stdinFile, stdoutFile: stdoutFile, timeout: timeout)
    }

    /// containerd's layout of the content store, which berthd keeps too.
    var blobsDirectory: String { root + "/io.containerd.content.v1.content/blobs/sha256" }

    func blobPath(_ digest: String) -> String {
        blobsDirectory + "/" + digest.replacingOccurrences(of: "sha256:", with: "")
    }

    func blobExists(_ digest: String) -> Bool { FileManager.default.fileExists(atPath: blobPath(digest)) }

    /// The digests of the blob files on disk (`sha256:<hex>`), whatever the metadata says.
    var blobFiles: Set<String> {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: blobsDirectory)) ?? []
        return Set(names.map { "sha256:" + $0 })
    }
}

extension DaemonProcess: ServingDaemon {
    func release() {
        stop()
        removeFiles()
    }
}

/// The real containerd (Debian's /usr/bin/containerd) on a temporary root, state dir and socket, with a generated
/// minimal config: the ground truth the content/images/leases tests are checked against. It never uses the system
/// paths (/run/containerd, /var/lib/containerd, /opt/containerd); a system containerd, if any, is left alone.
final class ReferenceContainerd: ServingDaemon, @unchecked Sendable {
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["BERTH_CONTAINERD_BIN"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return URL(fileURLWithPath: "/usr/bin/containerd")
    }()

    static var isInstalled: Bool { FileManager.default.isExecutableFile(atPath: binary.path) }

    let base: String
    let root: String
    let state: String
    let socket: String
    let configPath: String
    let logPath: String
    private let process = Process()

    init() throws {
        // Short paths: the socket path (and its ".ttrpc" sibling) must fit in a sockaddr_un.
        base = "/tmp/berth-ctd-\(UUID().uuidString.prefix(8))"
        root = base + "/root"
        state = base + "/state"
        socket = base + "/c.sock"
        configPath = base + "/config.toml"
        logPath = base + "/containerd.log"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try Self.config(base: base, root: root, state: state, socket: socket)
            .write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        process.executableURL = Self.binary
        process.arguments = ["--config", configPath]
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try log.close()
        do {
            try waitUntilServing()
        } catch {
            release()
            throw error
        }
    }

    /// Version 2 config: CRI and the snapshotters that need extra setup are disabled, the opt plugin (which would
    /// create /opt/containerd) points into `base`, and debug logging makes failures readable. The GC scheduler keeps
    /// its defaults, since its timing is part of what the tests observe.
    static func config(base: String, root: String, state: String, socket: String) -> String {
        """
        version = 2
        root = "\(root)"
        state = "\(state)"
        disabled_plugins = [
          "io.containerd.grpc.v1.cri",
          "io.containerd.snapshotter.v1.aufs",
          "io.containerd.snapshotter.v1.btrfs",
          "io.containerd.snapshotter.v1.zfs",
          "io.containerd.snapshotter.v1.devmapper",
        ]

        [grpc]
          address = "\(socket)"

        [ttrpc]
          address = "\(socket).ttrpc"

        [debug]
          level = "debug"

        [plugins."io.containerd.internal.v1.opt"]
          path = "\(base)/opt"

        """
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    private func waitUntilServing() throws {
        let deadline = Date().addingTimeInterval(20)
        while Date() < deadline {
            if !process.isRunning {
                throw TestFailure("containerd exited with \(process.terminationStatus) before serving:\n\(log)")
            }
            if FileManager.default.fileExists(atPath: socket),
                let answer = try? Command.run(Binaries.ctr, ["--address", socket, "version"], timeout: 5),
                answer.status == 0
            {
                waitForStartupCollection()
                return
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        throw TestFailure("containerd did not answer on \(socket) within 20s:\n\(log)")
    }

    /// containerd's GC scheduler collects once `startup_delay` (100ms) after it starts, whatever happened: a blob
    /// that nothing holds (what `ctr content ingest` leaves) would vanish if written before that. Tests start after
    /// it, as they would on a daemon that has been up for a while.
    private func waitForStartupCollection() {
        let deadline = Date().addingTimeInterval(5)
        while !log.contains("msg=\"garbage collected\"") && Date() < deadline && process.isRunning {
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Sends a signal and waits for containerd to exit; returns its exit status.
    @discardableResult
    func stop(signal: Int32 = SIGTERM) -> Int32 {
        guard process.isRunning else { return process.terminationStatus }
        kill(process.processIdentifier, signal)
        let deadline = Date().addingTimeInterval(15)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    func release() {
        stop()
        unmountEverythingUnder(base)
        try? FileManager.default.removeItem(atPath: base)
    }

    /// An unpack (not done by these tests, which import with --no-unpack) or a crash could leave mounts under the
    /// root; removing the folder must not descend into them.
    private func unmountEverythingUnder(_ prefix: String) {
        guard let mounts = try? String(contentsOfFile: "/proc/self/mounts", encoding: .utf8) else { return }
        let points = mounts.split(separator: "\n").compactMap { line -> String? in
            let fields = line.split(separator: " ")
            guard fields.count > 1 else { return nil }
            let point = String(fields[1])
            return point.hasPrefix(prefix + "/") ? point : nil
        }
        for point in points.reversed() {
            _ = try? Command.run(URL(fileURLWithPath: "/bin/umount"), ["-l", point], timeout: 10)
        }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

extension Command {
    /// Runs `executable` with stdin read from `stdinFile` (else /dev/null) and stdout written to `stdoutFile` (else
    /// captured): for payloads too large, or too binary, to hold as text. Waits at most `timeout` seconds.
    static func runRedirected(
        _ executable: URL, _ arguments: [String], stdinFile: String? = nil, stdoutFile: String? = nil,
        timeout: TimeInterval = 30
    ) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var opened: [FileHandle] = []
        defer { for handle in opened { try? handle.close() } }
        if let stdinFile {
            guard let input = FileHandle(forReadingAtPath: stdinFile) else {
                throw TestFailure("cannot read \(stdinFile)")
            }
            opened.append(input)
            process.standardInput = input
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        var outPipe: Pipe?
        if let stdoutFile {
            guard FileManager.default.createFile(atPath: stdoutFile, contents: nil),
                let output = FileHandle(forWritingAtPath: stdoutFile)
            else { throw TestFailure("cannot write \(stdoutFile)") }
            opened.append(output)
            process.standardOutput = output
        } else {
            let pipe = Pipe()
            outPipe = pipe
            process.standardOutput = pipe
        }
        let errPipe = Pipe()
        process.standardError = errPipe
        try process.run()
        let stdout = outPipe.map { Reader($0.fileHandleForReading) }
        let stderr = Reader(errPipe.fileHandleForReading)
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return CommandResult(
            status: process.terminationStatus, stdout: stdout?.finish() ?? "", stderr: stderr.finish())
    }
}
