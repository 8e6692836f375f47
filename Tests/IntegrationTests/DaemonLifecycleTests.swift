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
}
