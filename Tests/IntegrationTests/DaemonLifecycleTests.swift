import Foundation
import Testing

/// berthd as an operator meets it: start, stop, restart, misconfiguration, a second daemon.
@Suite struct DaemonLifecycleTests {
    @Test(arguments: [SIGTERM, SIGINT])
    func signalStopsCleanlyAndRemovesTheSocket(_ signal: Int32) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        #expect(FileManager.default.fileExists(atPath: daemon.socket))
        let status = daemon.stop(signal: signal)
        #expect(status == 0, "\(daemon.log)")
        #expect(!FileManager.default.fileExists(atPath: daemon.socket))
        #expect(daemon.log.contains("shutting down"))
    }

    @Test func socketIsOwnerAndGroupOnly() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
    }

    /// `[grpc] gid`: members of that group reach the API through the socket, other unprivileged users do not.
    @Test func configuredSocketGroupAdmitsItsMembersOnly() throws {
        let base = "/tmp/berth-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try "[grpc]\ngid = 4242\n".write(toFile: base + "/config.toml", atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(extraArguments: ["--config", base + "/config.toml"], base: base)
        defer { daemon.removeFiles() }
        let attributes = try FileManager.default.attributesOfItem(atPath: daemon.socket)
        #expect((attributes[.posixPermissions] as? Int) == 0o660)
        #expect((attributes[.groupOwnerAccountID] as? Int) == 4242)
        func version(gid: Int) throws -> CommandResult {
            try Command.run(URL(fileURLWithPath: "/usr/bin/setpriv"), [
                "--reuid", "65534", "--regid", "\(gid)", "--clear-groups", Binaries.ctr.path,
                "--address", daemon.socket, "--connect-timeout", "5s", "version",
            ])
        }
        let member = try version(gid: 4242)
        #expect(member.status == 0 && member.stdout.contains("Server:"), "\(member)")
        let outsider = try version(gid: 65534)
        #expect(outsider.status != 0 && outsider.stderr.contains("permission denied"), "\(outsider)")
    }

    @Test func staleSocketFromAKilledDaemonIsReplaced() throws {
        let first = try DaemonProcess()
        defer { first.removeFiles() }
        first.stop(signal: SIGKILL)
        #expect(FileManager.default.fileExists(atPath: first.socket))
        let second = try DaemonProcess(base: first.base)
        #expect(try ClientTool.ctr.run(second, ["version"]).status == 0)
    }

    @Test func secondDaemonOnTheSameRootRefusesToStart() throws {
        let first = try DaemonProcess()
        defer { first.removeFiles() }
        let second = try DaemonProcess(base: first.base, socketName: "other.sock", waitForServing: false)
        let status = second.waitForExit(timeout: 20)
        #expect(status != nil && status != 0, "\(second.log)")
        #expect(second.log.contains("already running with root \(first.root)"), "\(second.log)")
        #expect(first.isRunning)
        #expect(try ClientTool.ctr.run(first, ["version"]).status == 0)
    }

    @Test func serverUUIDSurvivesARestart() throws {
        let first = try DaemonProcess()
        defer { first.removeFiles() }
        let before = try ClientTool.ctr.run(first, ["version"]).stdout
        first.stop()
        let second = try DaemonProcess(base: first.base)
        let after = try ClientTool.ctr.run(second, ["version"]).stdout
        let uuid = { (text: String) in text.split(separator: "\n").first { $0.contains("UUID") } }
        #expect(uuid(before) != nil)
        #expect(uuid(before) == uuid(after))
    }

    @Test func namespacesSurviveARestart() throws {
        let first = try DaemonProcess()
        defer { first.removeFiles() }
        #expect(try ClientTool.ctr.run(first, ["ns", "create", "kept", "a=b"]).status == 0)
        first.stop()
        let second = try DaemonProcess(base: first.base)
        #expect(try ClientTool.ctr.run(second, ["ns", "ls"]).stdout.contains("kept a=b"))
    }

    @Test func malformedConfigFileIsAClearErrorAtStart() throws {
        let base = "/tmp/berth-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let config = base + "/config.toml"
        try "root = \"/tmp/x\"\n[grpc\n".write(toFile: config, atomically: true, encoding: .utf8)
        let daemon = try DaemonProcess(extraArguments: ["--config", config], base: base, waitForServing: false)
        let status = daemon.waitForExit(timeout: 20)
        #expect(status != nil && status != 0)
        #expect(daemon.log.contains("config file \(config): line 2"), "\(daemon.log)")
    }

    @Test func configFileSetsTheAddressAndFlagsOverrideIt() throws {
        let base = "/tmp/berth-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let config = base + "/config.toml"
        try """
            version = 2
            root = "\(base)/from-config"
            [grpc]
            address = "\(base)/from-config.sock"
            [debug]
            level = "info"
            """.write(toFile: config, atomically: true, encoding: .utf8)
        // DaemonProcess passes --root, --state and --address, which override the file's values.
        let daemon = try DaemonProcess(extraArguments: ["--config", config], base: base)
        #expect(FileManager.default.fileExists(atPath: daemon.socket))
        #expect(!FileManager.default.fileExists(atPath: base + "/from-config.sock"))
        #expect(FileManager.default.fileExists(atPath: daemon.root + "/io.containerd.metadata.v1.sqlite/meta.db"))
    }

    /// `berthd config default` is a file berthd starts from; keys it does not know are logged, and
    /// `berthd config dump` prints the effective configuration (here: the defaults again) with the same warnings.
    @Test func defaultConfigStartsTheDaemonAndUnknownKeysAreReported() throws {
        let base = "/tmp/berth-it-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: base) }
        let defaults = try Command.run(Binaries.berthd, ["config", "default"])
        #expect(defaults.status == 0 && defaults.stdout.contains("[plugins.\"io.containerd.runtime.v2.task\"]"), "\(defaults)")
        let config = base + "/config.toml"
        try (defaults.stdout + "\n[plugins.\"io.containerd.grpc.v1.cri\"]\n  sandbox_image = \"pause\"\n")
            .write(toFile: config, atomically: true, encoding: .utf8)

        let dump = try Command.run(Binaries.berthd, ["config", "dump", "--config", config])
        #expect(dump.status == 0 && dump.stdout == defaults.stdout, "\(dump)")
        #expect(dump.stderr.contains("unknown key plugins.\"io.containerd.grpc.v1.cri\" is ignored"), "\(dump)")
        let overridden = try Command.run(Binaries.berthd, ["config", "dump", "--config", config, "--root", "/srv/b"])
        #expect(overridden.stdout.contains("root = \"/srv/b\""), "\(overridden)")

        let daemon = try DaemonProcess(extraArguments: ["--config", config], base: base)
        defer { daemon.release() }
        #expect(try ClientTool.ctr.run(daemon, ["version"]).status == 0)
        #expect(daemon.log.contains("level=warning"), "\(daemon.log)")
        #expect(daemon.log.contains("unknown key plugins."), "\(daemon.log)")
    }

    /// `--log-format json` writes one JSON object per line; SIGUSR1 turns debug logging on and off again.
    @Test func jsonLogsAndSIGUSR1TogglesDebugLogging() throws {
        let daemon = try DaemonProcess(extraArguments: ["--log-format", "json", "--log-level", "info"], waitForServing: false)
        defer { daemon.release() }
        #expect(eventually { daemon.log.contains("berthd serving") }, "\(daemon.log)")
        func collectGarbage() throws {
            let lease = try ClientTool.ctr.run(daemon, ["leases", "create"]).stdout.split(whereSeparator: \.isWhitespace).first.map(String.init)
            #expect(try ClientTool.ctr.run(daemon, ["leases", "rm", "--sync", lease ?? "-"]).status == 0)
        }
        func entries() -> [[String: Any]] {
            daemon.log.split(separator: "\n").compactMap {
                try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
            }
        }
        func collections() -> Int { entries().filter { $0["msg"] as? String == "garbage collected" }.count }

        try collectGarbage()
        #expect(collections() == 0, "debug lines at level info")
        kill(daemon.pid, SIGUSR1)
        #expect(eventually { entries().contains { $0["msg"] as? String == "log level changed by SIGUSR1" } })
        try collectGarbage()
        #expect(eventually { collections() >= 1 }, "\(daemon.log)")
        let before = collections()
        kill(daemon.pid, SIGUSR1)
        #expect(eventually { entries().filter { $0["msg"] as? String == "log level changed by SIGUSR1" }.count == 2 })
        try collectGarbage()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(collections() == before)

        let lines = daemon.log.split(separator: "\n")
        #expect(!lines.isEmpty && entries().count == lines.count, "\(daemon.log)")
        #expect(entries().allSatisfy { $0["level"] is String && $0["time"] is String && $0["msg"] is String })
    }

    /// Under systemd (`Type=notify`), berthd says READY=1 on $NOTIFY_SOCKET once it serves.
    @Test func readinessIsNotifiedToSystemd() throws {
        let path = "/tmp/berth-notify-\(UUID().uuidString.prefix(8)).sock"
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        #expect(fd >= 0)
        defer {
            close(fd)
            unlink(path)
        }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let daemon = try DaemonProcess(environment: ["NOTIFY_SOCKET": path])
        defer { daemon.release() }
        var buffer = [UInt8](repeating: 0, count: 256)
        let received = recv(fd, &buffer, buffer.count, 0)
        #expect(received > 0 && String(decoding: buffer[0..<max(received, 0)], as: UTF8.self) == "READY=1")
        #expect(daemon.log.contains("berthd serving"))
    }

}
