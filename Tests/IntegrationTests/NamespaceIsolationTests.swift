import Foundation
import Testing

/// Namespaces isolate (issue 8): from namespace "intruder", nothing of namespace "owner" can be read, listed,
/// changed or deleted through any service (images, content, snapshots, leases, containers, tasks, diff,
/// transfer); and afterwards everything of "owner" is as it was. Prints how many attempts were refused.
@Suite(.serialized, .imageFixtures) struct NamespaceIsolationTests {
    @Test func nothingCrossesANamespace() throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try DaemonProcess()
        let id = "iso-\(UUID().uuidString.prefix(6).lowercased())"
        defer {
            _ = try? daemon.ctr(["t", "kill", "-s", "KILL", id], namespace: "owner")
            _ = try? daemon.ctr(["t", "rm", "-f", id], namespace: "owner")
            _ = try? daemon.ctr(["c", "rm", id], namespace: "owner")
            daemon.release()
        }
        func owner(_ arguments: [String]) throws -> CommandResult { try daemon.ctr(arguments, namespace: "owner", timeout: 120) }
        func intruder(_ tool: ClientTool, _ arguments: [String]) throws -> CommandResult {
            try tool.run(daemon, arguments, namespace: "intruder")
        }

        // What "owner" has: an image and its blobs, snapshots (committed and active), a lease, a container
        // with a running task.
        #expect(try owner(["images", "import", fixtures.ociArchive]).status == 0)
        let image = fixtures.latest.name
        #expect(try owner(["run", "-d", image, id, "sleep", "1000"]).status == 0)
        let lease = try owner(["leases", "create"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let digests = try owner(["content", "ls", "-q"]).stdout.split(separator: "\n").map(String.init)
        let snapshots = try owner(["snapshots", "ls"]).stdout.split(separator: "\n").dropFirst()
            .compactMap { $0.split(separator: " ").first.map(String.init) }
        let committed = try #require(snapshots.first { $0.hasPrefix("sha256:") })
        try #require(!digests.isEmpty && snapshots.contains(id))
        let before = try Self.inventory(owner)
        #expect(try daemon.ctr(["namespaces", "create", "intruder"]).status == 0)

        var refused = 0
        var attempts: [(ClientTool, [String])] = []
        for tool in ClientTool.allCases {
            attempts += [
                (tool, ["images", "rm", image]), (tool, ["images", "label", image, "x=y"]),
                (tool, ["images", "tag", image, "stolen:1"]), (tool, ["images", "export", "/dev/null", image]),
                (tool, ["containers", "info", id]), (tool, ["containers", "label", id, "x=y"]),
                (tool, ["containers", "rm", id]), (tool, ["tasks", "kill", id]), (tool, ["tasks", "ps", id]),
                (tool, ["tasks", "pause", id]), (tool, ["tasks", "rm", "-f", id]), (tool, ["tasks", "metrics", id]),
                (tool, ["tasks", "exec", "--exec-id", "in", id, "true"]), (tool, ["tasks", "start", id]),
                (tool, ["snapshots", "info", id]), (tool, ["snapshots", "mounts", "/mnt", id]),
                (tool, ["snapshots", "rm", id]), (tool, ["snapshots", "commit", "stolen", id]),
                (tool, ["snapshots", "prepare", "child", committed]), (tool, ["snapshots", "label", committed, "x=y"]),
                (tool, ["snapshots", "diff", id]), (tool, ["leases", "rm", lease]),
                (tool, ["content", "label", digests[0], "x=y"]),
            ]
            attempts += digests.map { (tool, ["content", "get", $0]) }
        }
        for (tool, arguments) in attempts {
            let result = try intruder(tool, arguments)
            let failed = result.status != 0 || result.stderr.contains("not found")
            #expect(failed, "\(tool) -n intruder \(arguments.joined(separator: " ")) was allowed: \(result)")
            if failed { refused += 1 }
        }
        // ctr's content rm says nothing of a digest the namespace does not have (as against containerd): the blob
        // must simply still be there for its owner.
        for tool in ClientTool.allCases {
            _ = try intruder(tool, ["content", "rm", digests[0]])
            #expect(try owner(["content", "ls", "-q"]).stdout.contains(digests[0]), "\(tool) content rm crossed")
            refused += 1
        }
        // Listing shows nothing of "owner".
        for tool in ClientTool.allCases {
            for list in [["images", "ls", "-q"], ["containers", "ls", "-q"], ["tasks", "ls", "-q"], ["content", "ls", "-q"],
                         ["leases", "ls", "-q"], ["snapshots", "ls"]] {
                let result = try intruder(tool, list)
                let rows = result.stdout.split(separator: "\n").filter { !$0.hasPrefix("KEY") }
                #expect(result.status == 0 && rows.isEmpty, "\(tool) \(list): \(result)")
                refused += 1
            }
        }
        // A namespace that holds things cannot be removed from elsewhere.
        let removal = try daemon.ctr(["namespaces", "rm", "owner"])
        #expect(removal.status != 0 || removal.stderr.contains("must be empty"), "\(removal)")
        #expect(try daemon.ctr(["namespaces", "ls", "-q"]).stdout.contains("owner"))

        #expect(try Self.inventory(owner) == before, "owner's objects changed")
        #expect(try owner(["tasks", "ls"]).stdout.contains("RUNNING"))
        print("namespace isolation: \(refused) cross-namespace operations tried with ctr and berth, none crossed")
    }

    /// Everything a namespace holds, as ctr lists it.
    static func inventory(_ run: ([String]) throws -> CommandResult) throws -> [String] {
        try [["images", "ls"], ["content", "ls", "-q"], ["snapshots", "ls"], ["leases", "ls", "-q"], ["containers", "ls"],
             ["tasks", "ls"]].map { try run($0).stdout }
    }
}
