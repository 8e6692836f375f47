import Foundation
import Testing

/// The acceptance steps of the foundation issue, run with the stock `ctr` and with `berth` against a real berthd.
@Suite(.serialized) struct ConformanceTests {
    @Test(arguments: ClientTool.allCases)
    func versionPrintsTheServersVersionAndUUID(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let result = try tool.run(daemon, ["version"])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.contains("Server:\n  Version:  0.1.0\n"), "\(result)")
        let uuid = try #require(result.stdout.split(separator: "\n").first { $0.hasPrefix("  UUID: ") })
        #expect(UUID(uuidString: String(uuid.dropFirst("  UUID: ".count))) != nil, "\(result)")
    }

    @Test(arguments: ClientTool.allCases)
    func namespacesCreateLabelListRemove(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        #expect(try tool.run(daemon, ["namespaces", "create", "a"]).status == 0)
        let labelled = try tool.run(daemon, ["ns", "label", "a", "k=v"])
        #expect(labelled.status == 0, "\(labelled)")
        let listed = try tool.run(daemon, ["ns", "ls"])
        #expect(listed.status == 0, "\(listed)")
        let lines = listed.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.split(separator: " ") == ["NAME", "LABELS"], "\(listed)")
        #expect(lines.contains { $0.split(separator: " ") == ["a", "k=v"] }, "\(listed)")
        // The columns line up as a table does.
        #expect(lines.first?.firstRange(of: "LABELS")?.lowerBound.utf16Offset(in: lines[0])
            == lines.last?.firstRange(of: "k=v")?.lowerBound.utf16Offset(in: lines.last ?? ""), "\(listed)")

        let quiet = try tool.run(daemon, ["ns", "ls", "-q"])
        #expect(quiet.stdout == "a\n", "\(quiet)")

        // An empty value clears the label.
        #expect(try tool.run(daemon, ["ns", "label", "a", "k="]).status == 0)
        #expect(try tool.run(daemon, ["ns", "ls"]).stdout.split(separator: "\n").contains { $0.split(separator: " ") == ["a"] })

        let removed = try tool.run(daemon, ["ns", "rm", "a"])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "a\n")
        #expect(try tool.run(daemon, ["ns", "ls", "-q"]).stdout == "")
    }

    @Test(arguments: ClientTool.allCases)
    func pluginsListShowsBerthsPlugins(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let result = try tool.run(daemon, ["plugins", "ls"])
        #expect(result.status == 0, "\(result)")
        let rows = result.stdout.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
        #expect(rows.first == ["TYPE", "ID", "PLATFORMS", "STATUS"], "\(result)")
        for id in ["namespaces", "version", "introspection", "events"] {
            #expect(rows.contains(["io.containerd.grpc.v1", id, "-", "ok"]), "\(id) missing:\n\(result)")
        }
        #expect(rows.contains(["io.containerd.metadata.v1", "sqlite", "-", "ok"]), "\(result)")

        let filtered = try tool.run(daemon, ["plugins", "ls", "-q", "id==namespaces"])
        #expect(filtered.stdout == "namespaces\n", "\(filtered)")
    }

    @Test(arguments: ClientTool.allCases)
    func eventsSeesTheNamespaceCreateEvent(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let events = try tool.background(daemon, ["events"])
        // The subscription is set up asynchronously: create probes until one is seen, then the real one.
        var probe = 0
        let deadline = Date().addingTimeInterval(20)
        while !events.stdout.text.contains("/namespaces/create") && Date() < deadline {
            probe += 1
            _ = try tool.run(daemon, ["ns", "create", "probe\(probe)"])
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(try tool.run(daemon, ["ns", "create", "a", "team=infra"]).status == 0)
        let seen = Date().addingTimeInterval(10)
        while !events.stdout.text.contains("\"name\":\"a\"") && Date() < seen { Thread.sleep(forTimeInterval: 0.05) }
        let output = events.finish()
        let line = output.stdout.split(separator: "\n").first { $0.contains("\"name\":\"a\"") }
        let fields = line?.split(separator: " ", maxSplits: 5).map(String.init) ?? []
        // "2026-11-29 05:45:01.123 +0000 UTC default /namespaces/create {json}"
        #expect(fields.count == 6, "\(output)")
        #expect(fields.dropFirst(2).first == "+0000", "\(output)")
        #expect(fields.dropFirst(4).first == "default", "\(output)")
        #expect(fields.dropFirst(5).first?.hasPrefix("/namespaces/create {") == true, "\(output)")
        #expect(line?.contains("\"labels\":{\"team\":\"infra\"}") == true, "\(output)")
    }

    @Test(arguments: ClientTool.allCases)
    func eventFiltersSelectTopics(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let events = try tool.background(daemon, ["events", "topic==\"/namespaces/delete\""])
        let deadline = Date().addingTimeInterval(20)
        var probe = 0
        while !events.stdout.text.contains("/namespaces/delete") && Date() < deadline {
            probe += 1
            _ = try tool.run(daemon, ["ns", "create", "p\(probe)"])
            _ = try tool.run(daemon, ["ns", "rm", "p\(probe)"])
            Thread.sleep(forTimeInterval: 0.1)
        }
        let output = events.finish()
        #expect(output.stdout.contains("/namespaces/delete"), "\(output)")
        #expect(!output.stdout.contains("/namespaces/create"), "\(output)")
    }

    @Test(arguments: ClientTool.allCases)
    func badInputGetsClearErrorsAndTheDaemonKeepsRunning(_ tool: ClientTool) throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let invalid = try tool.run(daemon, ["ns", "create", "bad_name!"])
        #expect(invalid.status != 0)
        #expect(invalid.stderr.contains("identifier \"bad_name!\" must match"), "\(invalid)")
        #expect(invalid.stderr.contains("invalid argument"), "\(invalid)")

        #expect(try tool.run(daemon, ["ns", "create", "dup"]).status == 0)
        let duplicate = try tool.run(daemon, ["ns", "create", "dup"])
        #expect(duplicate.status != 0)
        #expect(duplicate.stderr.contains("namespace \"dup\": already exists"), "\(duplicate)")

        let badHeader = try Command.run(tool.executable, ["--address", daemon.socket, "--namespace=-bad-", "ns", "create", "x"])
        #expect(badHeader.status != 0)
        #expect(badHeader.stderr.contains("namespace validation"), "\(badHeader)")

        let badFilter = try tool.run(daemon, ["plugins", "ls", "id=="])
        #expect(badFilter.status != 0, "\(badFilter)")

        #expect(daemon.isRunning)
        #expect(try tool.run(daemon, ["version"]).status == 0)
    }
}
