import BerthAPI
import BerthClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf
import Testing

/// Berth's own shim, `containerd-shim-berth-v1` (runtime `io.containerd.berth.v1`), under berthd and under the
/// real containerd, with real runc: the ctr walk-through, exit codes, exec, stdin, tty, pause/resume, metrics,
/// events, a shim killed with SIGKILL, a daemon killed and restarted, crun chosen through the runc options, and
/// nothing left behind (shims, mounts, bundles, sockets, runc state).
@Suite(.serialized, .imageFixtures, .enabled(if: BerthShimBinary.canRun))
struct ShimIntegrationTests {
    static let runtime = "io.containerd.berth.v1"
    static let shimName = BerthShimBinary.name
    static let runcRoot = "/run/containerd/runc/default"

    /// Unique per run: runc keeps its state per namespace under /run/containerd/runc, shared by every daemon.
    static func uniqueID(_ prefix: String) -> String { "shim-\(prefix)-\(UUID().uuidString.prefix(6).lowercased())" }

    static func importedDaemon() throws -> (DaemonProcess, ImageFixtures) {
        let fixtures = try ImageFixtures.current()
        let daemon = try DaemonProcess()
        let imported = try ClientTool.ctr.run(daemon, ["images", "import", fixtures.ociArchive], timeout: 120)
        guard imported.status == 0 else {
            daemon.release()
            throw TestFailure("import failed: \(imported)")
        }
        return (daemon, fixtures)
    }

    /// The rows of a ctr-style table, split on runs of spaces, without the header.
    static func rows(_ output: String) -> [[String]] {
        output.split(separator: "\n").dropFirst().map { $0.split(separator: " ").map(String.init) }
    }

    static func taskRow(_ daemon: any ServingDaemon, _ id: String) -> [String]? {
        rows((try? daemon.ctr(["t", "ls"]).stdout) ?? "").first { $0.first == id }
    }

    /// Pids of Berth shim processes serving task `id`.
    static func shimProcesses(for id: String) -> [Int32] {
        let result = try? Command.run(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "\(shimName) .*-id \(id)( |$)"])
        return (result?.stdout ?? "").split(separator: "\n").compactMap { Int32($0) }
    }

    static func mounts(under path: String) -> [String] {
        let table = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        return table.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            return fields.count > 4 && fields[4].hasPrefix(path + "/") ? String(fields[4]) : nil
        }
    }

    /// The command line of a process's parent: a task's init must be a child of the Berth shim.
    static func parentCommand(of pid: Int32) -> String {
        guard let parent = ProcessTable.parent(of: pid) else { return "" }
        let raw = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(parent)/cmdline"))) ?? Data()
        return String(decoding: raw.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
    }


    /// Whatever a failed test left: tasks and containers removed through the daemon, then any shim still
    /// serving those ids killed, runc's state forced away and mounts under the daemon's folder detached.
    static func cleanUp(_ ids: [String], daemon: any ServingDaemon, base: String) {
        for id in ids {
            _ = try? daemon.ctr(["t", "kill", "-s", "KILL", id], timeout: 10)
            _ = try? daemon.ctr(["t", "rm", "-f", id], timeout: 10)
            _ = try? daemon.ctr(["c", "rm", id], timeout: 10)
        }
        for id in ids {
            for pid in shimProcesses(for: id) { kill(pid, SIGKILL) }
            if FileManager.default.fileExists(atPath: runcRoot + "/" + id) {
                _ = try? Command.run(URL(fileURLWithPath: "/usr/sbin/runc"), ["--root", runcRoot, "delete", "--force", id])
            }
        }
        for point in mounts(under: base).reversed() {
            _ = try? Command.run(URL(fileURLWithPath: "/bin/umount"), ["-l", point], timeout: 10)
        }
    }

    /// Kills the task, waits until it is STOPPED, and removes it and its container, each step expected to work.
    static func killAndRemove(_ id: String, on daemon: any ServingDaemon) {
        #expect((try? daemon.ctr(["t", "kill", "-s", "KILL", id]).status) == 0)
        #expect(eventually { taskRow(daemon, id)?.last == "STOPPED" })
        #expect((try? daemon.ctr(["t", "rm", id]).status) == 0)
        #expect((try? daemon.ctr(["c", "rm", id]).status) == 0)
    }

    /// No shim, mount, bundle or runc state left for `id` (containerd cleans up after a dead shim in the
    /// background, so this waits a little).
    static func expectNothingLeft(_ id: String, base: String, state: String) {
        #expect(eventually { shimProcesses(for: id).isEmpty }, "shim of \(id) still running")
        #expect(eventually { !mounts(under: base).contains { $0.contains("/\(id)/") } }, "\(mounts(under: base))")
        let bundles = { (try? FileManager.default.contentsOfDirectory(atPath: state + "/io.containerd.runtime.v2.task/default")) ?? [] }
        #expect(eventually { !bundles().contains(id) }, "\(bundles())")
        #expect(eventually { !FileManager.default.fileExists(atPath: runcRoot + "/" + id) })
    }

    // MARK: Under berthd

    @Test(arguments: ClientTool.allCases)
    func runPrintsOutputAndPropagatesExitCodes(_ tool: ClientTool) throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let ids = [Self.uniqueID("hello"), Self.uniqueID("seven")]
        defer {
            Self.cleanUp(ids, daemon: daemon, base: daemon.base)
            daemon.release()
        }
        let hello = try tool.run(daemon, ["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, ids[0], "echo", "hello"])
        #expect(hello.status == 0, "\(hello)\n\(daemon.log)")
        #expect(hello.stdout == "hello\n", "\(hello)")
        let seven = try tool.run(daemon, ["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, ids[1], "sh", "-c", "exit 7"])
        #expect(seven.status == 7, "\(seven)")
        for id in ids { Self.expectNothingLeft(id, base: daemon.base, state: daemon.state) }
    }

    @Test(arguments: ClientTool.allCases)
    func walkThrough(_ tool: ClientTool) throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("walk")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        let started = try tool.run(daemon, ["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"])
        #expect(started.status == 0, "\(started)\n\(daemon.log)")
        let containers = try tool.run(daemon, ["c", "ls"])
        #expect(Self.rows(containers.stdout).contains([id, fixtures.latest.name, Self.runtime]), "\(containers)")

        let row = Self.taskRow(daemon, id)
        #expect(row?.last == "RUNNING", "\(String(describing: row))")
        let pid = row.flatMap { Int32($0[1]) } ?? 0
        #expect(pid > 0 && kill(pid, 0) == 0, "task pid \(pid) is not a live process")
        #expect(Self.parentCommand(of: pid).contains(Self.shimName), "\(Self.parentCommand(of: pid))")
        #expect(Self.shimProcesses(for: id).count == 1)
        // berthd started the server as the shim's start would: its child, in a session of its own, pid recorded.
        let shim = Self.shimProcesses(for: id).first ?? 0
        #expect(ProcessTable.parent(of: shim) == daemon.pid)
        #expect(getsid(shim) == shim)
        // Nothing blocked or ignored from berthd's threads (NIO blocks nearly every signal): it must see SIGCHLD.
        let status = (try? String(contentsOfFile: "/proc/\(shim)/status", encoding: .utf8)) ?? ""
        #expect(status.contains("SigBlk:\t0000000000000000"), "\(status)")
        let bundle = daemon.state + "/io.containerd.runtime.v2.task/default/" + id
        #expect((try? String(contentsOfFile: bundle + "/shim.pid", encoding: .utf8)) == "\(shim)")

        let ps = try tool.run(daemon, ["t", "ps", id])
        #expect(ps.status == 0 && ps.stdout.contains(String(pid)), "\(ps)")

        #expect(try tool.run(daemon, ["t", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(eventually { Self.taskRow(daemon, id)?.last == "STOPPED" })
        #expect(try tool.run(daemon, ["t", "rm", id]).status == 0)
        #expect(try tool.run(daemon, ["c", "rm", id]).status == 0)
        #expect(try tool.run(daemon, ["c", "ls", "-q"]).stdout == "")
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
        #expect(eventually { ProcessTable.zombieChildren(of: daemon.pid).isEmpty }, "the shim was not reaped")
    }

    /// Berth's shim as berthd's configured default runtime: containers created without `--runtime` get it, and
    /// a container that names the stock runtime still gets containerd-shim-runc-v2.
    @Test func configuredDefaultRuntimeServesContainersThatNameNone() throws {
        let fixtures = try ImageFixtures.current()
        let configPath = "/tmp/berth-it-runtime-\(UUID().uuidString.prefix(8)).toml"
        try """
            version = 2
            [plugins."io.containerd.runtime.v2.task"]
            default_runtime_name = "\(Self.runtime)"
            """.write(toFile: configPath, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: configPath) }
        let daemon = try DaemonProcess(extraArguments: ["--config", configPath])
        let (plain, stock) = (Self.uniqueID("default"), Self.uniqueID("stock"))
        defer {
            Self.cleanUp([plain, stock], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["images", "import", fixtures.ociArchive], timeout: 120).status == 0)
        let started = try ClientTool.berth.run(daemon, ["run", "-d", fixtures.latest.name, plain, "sleep", "1000"])
        #expect(started.status == 0, "\(started)")
        let stockStarted = try daemon.ctr(["run", "-d", "--runtime", "io.containerd.runc.v2", fixtures.latest.name, stock, "sleep", "1000"])
        #expect(stockStarted.status == 0, "\(stockStarted)")

        let containers = Self.rows(try daemon.ctr(["c", "ls"]).stdout)
        #expect(containers.contains([plain, fixtures.latest.name, Self.runtime]), "\(containers)")
        #expect(containers.contains([stock, fixtures.latest.name, "io.containerd.runc.v2"]), "\(containers)")
        let pids = [plain, stock].map { Self.taskRow(daemon, $0).flatMap { Int32($0[1]) } ?? 0 }
        #expect(Self.parentCommand(of: pids[0]).contains(Self.shimName), "\(Self.parentCommand(of: pids[0]))")
        #expect(Self.parentCommand(of: pids[1]).contains("containerd-shim-runc-v2"), "\(Self.parentCommand(of: pids[1]))")
        for id in [plain, stock] {
            Self.killAndRemove(id, on: daemon)
            Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
        }
    }

    /// `--log-uri binary://PROGRAM?key=value`: the shim starts the program with the process's stdout on fd 3 and
    /// stderr on fd 4, its identity in the environment and the query as arguments, as the stock shim does.
    @Test(arguments: [Self.runtime, "io.containerd.runc.v2"])
    func binaryLogURIHandsTheOutputToAProgram(_ runtime: String) throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("binlog")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        let logger = daemon.base + "/logger.sh"
        try """
            #!/bin/sh
            exec 5>&-
            cat <&3 > "$0.out" 4<&- &
            cat <&4 > "$0.err" 3<&- &
            echo "$CONTAINER_ID $CONTAINER_NAMESPACE $*" > "$0.env"
            wait
            touch "$0.done"
            """.write(toFile: logger, atomically: true, encoding: .utf8)
        chmod(logger, 0o755)
        let ran = try daemon.ctr([
            "run", "--rm", "--runtime", runtime, "--log-uri", "binary://\(logger)?level=debug&quiet",
            fixtures.latest.name, id, "sh", "-c", "echo to-out; echo to-err >&2; exit 4",
        ])
        #expect(ran.status == 4, "\(ran)")
        func read(_ suffix: String) -> String { (try? String(contentsOfFile: logger + suffix, encoding: .utf8)) ?? "" }
        #expect(eventually { read(".out") == "to-out\n" && read(".err") == "to-err\n" }, "\(read(".out")) \(read(".err"))")
        if runtime == Self.runtime {
            // Berth's shim keeps no copy of the pipes: the program sees EOF when the process exits.
            #expect(eventually { FileManager.default.fileExists(atPath: logger + ".done") })
        }
        let environment = read(".env").split(separator: " ").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
        #expect(environment.prefix(2) == [id, "default"], "\(environment)")
        // The stock shim passes an empty value as an argument of its own.
        #expect(Set(environment.dropFirst(2)).subtracting([""]) == ["level", "debug", "quiet"], "\(environment)")
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
    }

    /// A shim's socket is the daemon user's alone (0600), with either shim; so are berthd's root (0700) and,
    /// but for traversal, its state directory (0711), as containerd's.
    @Test(arguments: [Self.runtime, "io.containerd.runc.v2"])
    func shimSocketsAndDaemonDirectoriesAreNotOpenToOthers(_ runtime: String) throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("perm")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["run", "-d", "--runtime", runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)
        func mode(_ path: String) -> Int? {
            (try? FileManager.default.attributesOfItem(atPath: path))?[.posixPermissions] as? Int
        }
        let bundle = daemon.state + "/io.containerd.runtime.v2.task/default/" + id
        let address = try String(contentsOfFile: bundle + "/address", encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let socket = address.replacingOccurrences(of: "unix://", with: "")
        #expect(mode(socket) == 0o600, "\(socket)")
        #expect(mode(daemon.root) == 0o700)
        #expect(mode(daemon.state) == 0o711)
        Self.killAndRemove(id, on: daemon)
    }

    @Test func execStdinTerminalPauseResumeAndMetrics() throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("exec")
        let others = [Self.uniqueID("cat"), Self.uniqueID("tty")]
        defer {
            Self.cleanUp([id] + others, daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)

        let exec = try ClientTool.ctr.run(daemon, ["t", "exec", "--exec-id", "e1", id, "sh", "-c", "echo from exec; exit 3"])
        #expect(exec.status == 3, "\(exec)")
        #expect(exec.stdout == "from exec\n", "\(exec)")
        let berthExec = try ClientTool.berth.run(daemon, ["t", "exec", "--exec-id", "e2", id, "echo", "again"])
        #expect(berthExec.status == 0 && berthExec.stdout == "again\n", "\(berthExec)")

        let cat = try ClientTool.berth.run(
            daemon, ["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, others[0], "cat"],
            stdin: Data("line one\nline two\n".utf8))
        #expect(cat.status == 0 && cat.stdout == "line one\nline two\n", "\(cat)")

        let tty = try ClientTool.berth.run(daemon, [
            "run", "--rm", "-t", "--runtime", Self.runtime, fixtures.latest.name, others[1], "sh", "-c", "[ -t 1 ] && echo has-tty",
        ])
        #expect(tty.status == 0 && tty.stdout.contains("has-tty"), "\(tty)")

        #expect(try daemon.ctr(["t", "pause", id]).status == 0)
        #expect(Self.taskRow(daemon, id)?.last == "PAUSED")
        #expect(try daemon.ctr(["t", "resume", id]).status == 0)
        #expect(Self.taskRow(daemon, id)?.last == "RUNNING")

        let metrics = try daemon.ctr(["t", "metrics", id])
        #expect(metrics.status == 0, "\(metrics)")
        #expect(metrics.stdout.contains("memory.usage_in_bytes") || metrics.stdout.contains("memory.usage"), "\(metrics)")
        #expect(metrics.stdout.contains("pids.current"), "\(metrics)")

        Self.killAndRemove(id, on: daemon)
        for id in [id] + others { Self.expectNothingLeft(id, base: daemon.base, state: daemon.state) }
    }

    @Test func taskEventsReachSubscribers() throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("events")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        let events = try ClientTool.ctr.background(daemon, ["events"])
        Thread.sleep(forTimeInterval: 0.3)
        #expect(try daemon.ctr(["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, id, "sh", "-c", "exit 2"]).status == 2)
        Thread.sleep(forTimeInterval: 0.5)
        let seen = events.finish().stdout
        for topic in ["/tasks/create", "/tasks/start", "/tasks/exit", "/tasks/delete"] {
            #expect(seen.contains("\(topic) {\"container_id\":\"\(id)\""), "\(topic) missing:\n\(seen)")
        }
        #expect(seen.contains("\"exit_status\":2"), "\(seen)")
    }

    @Test func killedShimIsReportedAndCleanedUp() throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("dead")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)
        let pid = Self.taskRow(daemon, id).flatMap { Int32($0[1]) } ?? 0
        let shims = Self.shimProcesses(for: id)
        #expect(shims.count == 1, "\(shims)")
        for shim in shims { kill(shim, SIGKILL) }
        #expect(eventually { (try? daemon.ctr(["t", "ls", "-q"]).stdout) == "" })
        #expect(daemon.isRunning)
        #expect(eventually { pid > 0 && kill(pid, 0) != 0 }, "the container's process outlived its shim")
        #expect(try daemon.ctr(["c", "rm", id]).status == 0)
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
    }

    /// Tasks outlive berthd (the issue's restart check): ten tasks, berthd killed with SIGKILL, three tasks exit
    /// while it is down; after a restart seven are running and reachable, the three are STOPPED with their codes.
    @Test func tasksOutliveTheDaemon() throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let keepers = (0..<7).map { Self.uniqueID("keep\($0)") }
        let quitters = (0..<3).map { Self.uniqueID("quit\($0)") }
        var current: DaemonProcess = daemon
        defer {
            Self.cleanUp(keepers + quitters, daemon: current, base: daemon.base)
            current.release()
        }
        for id in keepers {
            #expect(try daemon.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)
        }
        for (index, id) in quitters.enumerated() {
            #expect(try daemon.ctr([
                "run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sh", "-c", "sleep 2; exit \(index + 3)",
            ]).status == 0)
        }
        let pids = Dictionary(uniqueKeysWithValues: keepers.map { ($0, Self.taskRow(daemon, $0).flatMap { Int32($0[1]) } ?? 0) })
        daemon.stop(signal: SIGKILL)
        Thread.sleep(forTimeInterval: 3)
        for id in keepers {
            #expect(Self.shimProcesses(for: id).count == 1, "\(id) keeps running without the daemon")
        }

        let restarted = try DaemonProcess(base: daemon.base)
        current = restarted
        let listed = try restarted.ctr(["t", "ls"])
        for id in keepers {
            #expect(Self.rows(listed.stdout).first { $0.first == id } == [id, String(pids[id] ?? 0), "RUNNING"], "\(listed)")
        }
        for (index, id) in quitters.enumerated() {
            #expect(Self.rows(listed.stdout).first { $0.first == id }?.last == "STOPPED", "\(listed)")
            let deleted = try restarted.ctr(["t", "rm", id])
            #expect(deleted.status == 0, "\(deleted)")
            #expect(deleted.stderr.contains("exit code \(index + 3)"), "\(deleted)")
        }
        let exec = try ClientTool.ctr.run(restarted, ["t", "exec", "--exec-id", "after", keepers[0], "echo", "still here"])
        #expect(exec.status == 0 && exec.stdout == "still here\n", "\(exec)")
        #expect(try ClientTool.berth.run(restarted, ["t", "ps", keepers[1]]).stdout.contains(String(pids[keepers[1]] ?? -1)))
        for id in keepers {
            #expect(try restarted.ctr(["t", "kill", "-s", "KILL", id]).status == 0)
        }
        for id in keepers {
            #expect(eventually { Self.taskRow(restarted, id)?.last == "STOPPED" })
            #expect(try restarted.ctr(["t", "rm", id]).status == 0)
        }
        for id in keepers + quitters {
            #expect(try restarted.ctr(["c", "rm", id]).status == 0)
        }
        for id in keepers + quitters { Self.expectNothingLeft(id, base: daemon.base, state: daemon.state) }
        #expect(Self.mounts(under: daemon.base).isEmpty, "\(Self.mounts(under: daemon.base))")
    }

    /// The kernel's OOM killer in the task's memory cgroup becomes a /tasks/oom event.
    @Test func outOfMemoryIsPublished() throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("oom")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        let events = try ClientTool.ctr.background(daemon, ["events"])
        Thread.sleep(forTimeInterval: 0.3)
        let run = try daemon.ctr([
            "run", "--rm", "--runtime", Self.runtime, "--memory-limit", "16777216", fixtures.latest.name, id,
            "sh", "-c", "x=0123456789abcdef; while true; do x=$x$x; done",
        ])
        #expect(run.status == 137, "\(run)")
        Thread.sleep(forTimeInterval: 0.5)
        let seen = events.finish().stdout
        #expect(seen.contains("/tasks/oom {\"container_id\":\"\(id)\"}"), "\(seen)")
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
    }

    /// Update hands the runtime-spec resources to `runc update`: the cgroup's memory limit changes.
    @Test func updateChangesTheCgroupLimits() async throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("update")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)
        let pid = Self.taskRow(daemon, id).flatMap { Int32($0[1]) } ?? 0
        let limit = 48 << 20
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { grpc in
            var metadata = GRPCCore.Metadata()
            metadata.addString("default", forKey: "containerd-namespace")
            var resources = Google_Protobuf_Any()
            resources.typeURL = "types.containerd.io/opencontainers/runtime-spec/1/LinuxResources"
            resources.value = Data("{\"memory\":{\"limit\":\(limit)}}".utf8)
            _ = try await Containerd_Services_Tasks_V1_Tasks.Client(wrapping: grpc).update(
                .with {
                    $0.containerID = id
                    $0.resources = resources
                }, metadata: metadata)
        }
        let cgroups = (try? String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8)) ?? ""
        let file: String
        if let line = cgroups.split(separator: "\n").first(where: { $0.contains(":memory:") }),
            let path = line.split(separator: ":", maxSplits: 2).last
        {
            file = "/sys/fs/cgroup/memory\(path)/memory.limit_in_bytes"
        } else {
            let path = cgroups.split(separator: "\n").first { $0.hasPrefix("0::") }?.dropFirst(3) ?? ""
            file = "/sys/fs/cgroup\(path)/memory.max"
        }
        let value = (try? String(contentsOfFile: file, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(value == String(limit), "\(file): \(String(describing: value))")
        let checkpoint = try daemon.ctr(["t", "checkpoint", id])
        #expect(checkpoint.status != 0, "\(checkpoint)")
        Self.killAndRemove(id, on: daemon)
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
    }

    /// `BinaryName` in the task's `containerd.runc.v1.Options` picks the runtime: crun keeps a `status` file in
    /// its state directory where runc keeps `state.json`.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/crun")))
    func crunWhenTheRuncOptionsNameIt() async throws {
        let (daemon, fixtures) = try Self.importedDaemon()
        let id = Self.uniqueID("crun")
        defer {
            Self.cleanUp([id], daemon: daemon, base: daemon.base)
            daemon.release()
        }
        #expect(try daemon.ctr(["c", "create", "--runtime", Self.runtime, fixtures.latest.name, id, "sleep", "1000"]).status == 0)
        var options = Google_Protobuf_Any()
        options.typeURL = "containerd.runc.v1.Options"
        options.value = try Containerd_Runc_V1_Options.with { $0.binaryName = "crun" }.serializedData()
        do {
            try await BerthClient.withConnection(address: daemon.socket) { client in
                let mounts = try await client.snapshotMounts(id, snapshotter: "overlayfs")
                try await client.createTask(containerID: id, rootfs: mounts, io: ProcessIO(), runtimeOptions: options)
                try await client.startTask(id)
            }
        } catch let error where "\(error)".contains("cgroups in hybrid mode not supported") {
            // crun refuses hosts with cgroup v1 controllers beside a unified mount (this one): that refusal is
            // crun's own words, so the shim did pick crun; there is no task to go on with.
            #expect(try daemon.ctr(["c", "rm", id]).status == 0)
            Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
            return
        }
        #expect(Self.taskRow(daemon, id)?.last == "RUNNING")
        #expect(FileManager.default.fileExists(atPath: "\(Self.runcRoot)/\(id)/status"), "not crun's state")
        #expect(!FileManager.default.fileExists(atPath: "\(Self.runcRoot)/\(id)/state.json"), "runc ran it")
        Self.killAndRemove(id, on: daemon)
        Self.expectNothingLeft(id, base: daemon.base, state: daemon.state)
    }

    // MARK: Under the real containerd

    /// containerd finds the shim on PATH, as it finds containerd-shim-runc-v2.
    static func containerdWithShimOnPath() throws -> ReferenceContainerd {
        let directory = Binaries.buildDirectory.path
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        if !path.split(separator: ":").contains(Substring(directory)) { setenv("PATH", directory + ":" + path, 1) }
        return try ReferenceContainerd()
    }

    @Test(.enabled(if: ReferenceContainerd.isInstalled))
    func walkThroughUnderContainerd() throws {
        let fixtures = try ImageFixtures.current()
        let containerd = try Self.containerdWithShimOnPath()
        let ids = ["hello", "seven", "walk", "dead", "plain"].map(Self.uniqueID)
        defer {
            Self.cleanUp(ids, daemon: containerd, base: containerd.base)
            containerd.release()
        }
        #expect(try containerd.ctr(["images", "import", fixtures.ociArchive], timeout: 120).status == 0)
        let hello = try containerd.ctr(["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, ids[0], "echo", "hello"])
        #expect(hello.status == 0 && hello.stdout == "hello\n", "\(hello)\n\(containerd.log.suffix(3000))")
        let seven = try containerd.ctr(["run", "--rm", "--runtime", Self.runtime, fixtures.latest.name, ids[1], "sh", "-c", "exit 7"])
        #expect(seven.status == 7, "\(seven)")

        let walk = ids[2]
        #expect(try containerd.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, walk, "sleep", "1000"]).status == 0)
        let row = Self.taskRow(containerd, walk)
        #expect(row?.last == "RUNNING", "\(String(describing: row))")
        let pid = row.flatMap { Int32($0[1]) } ?? 0
        #expect(Self.parentCommand(of: pid).contains(Self.shimName))
        #expect(try containerd.ctr(["t", "ps", walk]).stdout.contains(String(pid)))
        let exec = try containerd.ctr(["t", "exec", "--exec-id", "e1", walk, "sh", "-c", "echo from exec; exit 3"])
        #expect(exec.status == 3 && exec.stdout == "from exec\n", "\(exec)")
        #expect(try containerd.ctr(["t", "pause", walk]).status == 0)
        #expect(Self.taskRow(containerd, walk)?.last == "PAUSED")
        #expect(try containerd.ctr(["t", "resume", walk]).status == 0)
        #expect(try containerd.ctr(["t", "metrics", walk]).stdout.contains("pids.current"))
        #expect(try containerd.ctr(["t", "kill", "-s", "KILL", walk]).status == 0)
        #expect(eventually { Self.taskRow(containerd, walk)?.last == "STOPPED" })
        #expect(try containerd.ctr(["t", "rm", walk]).status == 0)
        #expect(try containerd.ctr(["c", "rm", walk]).status == 0)

        // berth without --runtime: containerd insists on a name, and the client falls back on containerd's default.
        let plain = try Command.run(
            Binaries.berth, ["--address", containerd.socket, "run", "--rm", fixtures.latest.name, ids[4], "echo", "plain"])
        #expect(plain.status == 0 && plain.stdout == "plain\n", "\(plain)")

        // A shim killed with SIGKILL: containerd runs `<shim> delete` and forgets the task.
        let dead = ids[3]
        #expect(try containerd.ctr(["run", "-d", "--runtime", Self.runtime, fixtures.latest.name, dead, "sleep", "1000"]).status == 0)
        for shim in Self.shimProcesses(for: dead) { kill(shim, SIGKILL) }
        #expect(eventually { (try? containerd.ctr(["t", "ls", "-q"]).stdout) == "" })
        #expect(try containerd.ctr(["c", "rm", dead]).status == 0)
        for id in ids { Self.expectNothingLeft(id, base: containerd.base, state: containerd.state) }
    }
}

/// The shim under test, built next to berthd (berthd finds it there; containerd through PATH).
enum BerthShimBinary {
    static let name = "containerd-shim-berth-v1"
    static let url = Binaries.buildDirectory.appendingPathComponent(name)

    static var canRun: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: url.path)
            && (FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc")
                || FileManager.default.isExecutableFile(atPath: "/usr/bin/runc"))
    }
}
