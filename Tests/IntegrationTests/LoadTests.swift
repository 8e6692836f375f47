import Foundation
import Testing

/// 50 concurrent clients (ctr and berth processes) against one berthd for a bounded time: containers run and
/// are killed with both shims, shared images are pulled, removed and pulled again, content and lists are read.
/// Nothing may fail but what the mix makes expected, nothing may hang, every task exit is published exactly
/// once, and the daemon ends with the descriptors, mounts and shims it started with.
/// `BERTH_LOAD_SECONDS` (default 40) makes it a longer soak.
@Suite(.serialized, .imageFixtures) struct LoadTests {
    static let clients = 50
    static var duration: TimeInterval {
        ProcessInfo.processInfo.environment["BERTH_LOAD_SECONDS"].flatMap(TimeInterval.init) ?? 40
    }

    @Test func fiftyClientsMixingWorkLeaveNothingBehind() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "load/shared:1")
        try ImageFixtures.pushUniqueImage(to: registry, repository: "load/churn")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let shared = "\(registry.address)/load/shared:1", churn = "\(registry.address)/load/churn:1"
        let load = LoadRun(daemon: daemon, namespace: "load")
        try load.expectOK(.berth, ["images", "pull", "--plain-http", shared])
        let layer = fixtures.latest.layer
        let events = try Background(Binaries.ctr, ["--address", daemon.socket, "events"])
        var eventsOutput: String?
        defer { if eventsOutput == nil { _ = events.finish() } }
        // A first run of each kind, so the baseline includes what the daemon keeps once warm.
        try load.expectOK(.berth, ["run", "--rm", shared, ContainersTasksTests.uniqueID("warm"), "true"])
        Thread.sleep(forTimeInterval: 1)
        let before = ProcessFootprint(pid: daemon.pid, mountsUnder: daemon.base)

        let deadline = Date().addingTimeInterval(Self.duration)
        let group = DispatchGroup()
        for client in 0..<Self.clients {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                var round = 0
                while Date() < deadline {
                    load.step(client: client, round: round, shared: shared, churn: churn, layer: layer)
                    round += 1
                }
            }
        }
        group.wait()

        // Settle: exits of the last runs reach the event stream, collections finish.
        let settled = eventually(within: 20) {
            (try? load.run(.ctr, ["tasks", "ls", "-q"]).stdout.isEmpty) == true
                && ContainersTasksTests.mounts(under: daemon.base).isEmpty
        }
        #expect(settled, "tasks or mounts remain after the load")
        Thread.sleep(forTimeInterval: 2)
        let after = ProcessFootprint(pid: daemon.pid, mountsUnder: daemon.base)
        let check = try load.run(.berth, ["admin", "check"])
        #expect(check.status == 0 && check.stdout.split(separator: "\n").contains { $0.hasPrefix("0 errors") }, "\(check)")
        let shims = try Command.run(URL(fileURLWithPath: "/usr/bin/pgrep"), ["-f", "shim.* -address \(daemon.socket)"])
        #expect(shims.stdout.isEmpty, "shims left: \(shims.stdout)")

        eventsOutput = events.finish().stdout
        let exits = Self.exitCounts(eventsOutput ?? "")
        let started = load.startedContainers
        let missing = started.filter { exits[$0] == nil }, repeated = exits.filter { $0.value > 1 }
        #expect(missing.isEmpty, "no exit event for \(missing.count) of \(started.count) containers: \(missing.prefix(5))")
        #expect(repeated.isEmpty, "exit events published more than once: \(repeated)")
        #expect(load.unexpected.isEmpty, "\(load.unexpected.count) unexpected failures, first: \(load.unexpected.prefix(3))")
        // SQLite's pool opens reader connections as concurrency asks (GRDB's bound: 5), two descriptors each.
        #expect(after.descriptors - after.database <= before.descriptors - before.database + 2,
                "berthd descriptors \(before.descriptors) → \(after.descriptors): new \(after.targets.subtracting(before.targets))")
        #expect(after.database <= 2 * 6 + 1, "metadata database descriptors: \(after.database)")
        #expect(after.mounts == before.mounts, "mounts \(before.mounts) → \(after.mounts)")
        #expect(after.rssMiB < before.rssMiB + 64, "berthd RSS \(before.rssMiB) → \(after.rssMiB) MiB")
        print("""
            load: \(Self.clients) clients for \(Int(Self.duration)) s, \(load.summary); \
            \(started.count) containers started, each exit published once: \(missing.isEmpty && repeated.isEmpty); \
            berthd descriptors \(before.descriptors) → \(after.descriptors) (database \(before.database) → \(after.database)), RSS \(before.rssMiB) → \(after.rssMiB) MiB, \
            threads \(before.threads) → \(after.threads)
            """)
    }

    /// container id → how many `/tasks/exit` events `ctr events` printed for it.
    static func exitCounts(_ output: String) -> [String: Int] {
        var counts: [String: Int] = [:]
        for line in output.split(separator: "\n") where line.contains(" /tasks/exit ") {
            guard let json = line.firstRange(of: "{").map({ line[$0.lowerBound...] }),
                  let object = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any],
                  let id = object["container_id"] as? String
            else { continue }
            // An exec's exit carries the exec id; only the init process's counts for the container.
            if (object["id"] as? String).map({ $0 != id }) ?? false { continue }
            counts[id, default: 0] += 1
        }
        return counts
    }
}

/// What berthd holds: open descriptors, resident memory, threads, and mounts under its folders.
struct ProcessFootprint {
    let descriptors: Int
    let rssMiB: Int
    let threads: Int
    let mounts: Int
    /// What the descriptors refer to (`socket:[…]`, paths), for telling a leak from a pool.
    let targets: Set<String>
    /// Descriptors of the metadata database's connections.
    let database: Int

    init(pid: Int32, mountsUnder base: String) {
        let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []
        descriptors = fds.count
        let links = fds.map { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\($0)")) ?? "?" }
        targets = Set(links)
        database = links.filter { $0.contains("/meta.db") }.count
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        func field(_ name: String) -> Int {
            let line = status.split(separator: "\n").first { $0.hasPrefix(name + ":") } ?? ""
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { Int($0) } ?? -1
        }
        rssMiB = field("VmRSS") / 1024
        threads = field("Threads")
        mounts = ContainersTasksTests.mounts(under: base).count
    }
}

/// The clients' work and its outcome, shared by the client threads.
final class LoadRun: @unchecked Sendable {
    let daemon: DaemonProcess
    let namespace: String
    private let lock = NSLock()
    private var counts: [String: Int] = [:]
    private var failures: [String] = []
    private var started: [String] = []
    private var expected = 0

    init(daemon: DaemonProcess, namespace: String) {
        self.daemon = daemon
        self.namespace = namespace
    }

    var unexpected: [String] { lock.withLock { failures } }
    var startedContainers: [String] { lock.withLock { started } }
    var summary: String {
        lock.withLock {
            "\(counts.values.reduce(0, +)) operations (" + counts.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }
                .joined(separator: ", ") + "), \(expected) expected failures (races the mix makes), \(failures.count) unexpected"
        }
    }

    /// ctr's dial gives the server 10 s for its HTTP/2 handshake, ctr's own start-up included. With 50 client
    /// processes, their containers and the rest of the integration pass on two cores, a ctr was twice starved
    /// past that (handshake timeouts, one per full pass at most); 30 s still fails a daemon that stops answering.
    func run(_ tool: ClientTool, _ arguments: [String], timeout: TimeInterval = 90) throws -> CommandResult {
        let dialing = tool == .ctr ? ["--connect-timeout", "30s"] : []
        return try tool.run(daemon, dialing + arguments, namespace: namespace, timeout: timeout)
    }

    func expectOK(_ tool: ClientTool, _ arguments: [String]) throws {
        let result = try run(tool, arguments)
        guard result.status == 0 else { throw TestFailure("\(tool) \(arguments): \(result)") }
    }

    /// One operation of client `client`: a fifth run containers, a fifth pull, the rest read.
    func step(client: Int, round: Int, shared: String, churn: String, layer: String) {
        switch client % 10 {
        case 0, 1:
            let id = ContainersTasksTests.uniqueID("load")
            let runtime = client % 2 == 0 ? [] : ["--runtime", "io.containerd.berth.v1"]
            if round % 2 == 0 {
                record("run", id: id, .berth, ["run", "--rm"] + runtime + [shared, id, "true"])
            } else {
                record("run -d", id: id, .berth, ["run", "-d"] + runtime + [shared, id, "sleep", "30"])
                record("kill+rm", .ctr, ["tasks", "rm", "-f", id])
                record("kill+rm", .ctr, ["containers", "rm", id])
            }
        case 2, 3:
            switch round % 3 {
            case 0: record("pull", .berth, ["images", "pull", "--plain-http", churn])
            case 1: record("pull (ctr)", .ctr, ["images", "pull", "--plain-http", shared])
            default: record("image rm", .ctr, ["images", "rm", "--sync", churn])
            }
        default:
            let reads: [(ClientTool, [String])] = [
                (.ctr, ["content", "ls"]), (.ctr, ["images", "check"]), (.ctr, ["snapshots", "ls"]),
                (.ctr, ["containers", "ls"]), (.ctr, ["tasks", "ls"]), (.berth, ["images", "ls"]),
                (.ctr, ["content", "get", layer]), (.ctr, ["leases", "ls"]), (.berth, ["content", "active"]),
            ]
            let (tool, arguments) = reads[(client + round) % reads.count]
            // ctr lists the images, then reads each one's content: an image removed in between (the churn
            // clients remove and pull one all the time) is NotFound, against containerd as well.
            record("read", tool, arguments) { arguments == ["images", "check"] && $0.stderr.contains(churn) && $0.stderr.contains("not found") }
        }
    }

    private func record(
        _ kind: String, id: String? = nil, _ tool: ClientTool, _ arguments: [String],
        expectedFailure: (CommandResult) -> Bool = { _ in false }
    ) {
        let result: CommandResult
        do {
            result = try run(tool, arguments)
        } catch {
            lock.withLock { failures.append("\(tool) \(arguments.joined(separator: " ")): \(error)") }
            return
        }
        lock.withLock {
            counts[kind, default: 0] += 1
            if result.status != 0 && expectedFailure(result) {
                expected += 1
            } else if result.status != 0 {
                failures.append("\(tool) \(arguments.joined(separator: " ")): exit \(result.status): \(result.stderr.suffix(300))")
            } else if let id {
                started.append(id)
            }
        }
    }
}
