import Foundation
import Testing

/// `--uidmap`/`--gidmap`: containers in a user namespace, with ctr and berth. The container's root is uid
/// 100000 on the host, owns its files inside (the image's layers copied once into a remapped snapshot), and can
/// write its root filesystem; under both shims.
@Suite(.serialized, .imageFixtures) struct UserNamespaceTests {
    @Test(arguments: ClientTool.allCases)
    func containersRunInAUserNamespace(_ tool: ClientTool) throws {
        let (daemon, fixtures) = try ContainersTasksTests.importedDaemon()
        defer { daemon.removeFiles() }
        let mapping = ["--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536"]
        let id = ContainersTasksTests.uniqueID("userns")
        let probe = "cat /proc/self/uid_map /proc/self/gid_map; id -u; id -g; busybox stat -c '%u:%g' / /bin/busybox; touch /new && echo wrote"
        // berth runs it under Berth's own shim, ctr under containerd-shim-runc-v2.
        let runtime = tool == .berth ? ["--runtime", "io.containerd.berth.v1"] : []
        let ran = try tool.run(daemon, ["run", "--rm"] + runtime + mapping + [fixtures.latest.name, id, "sh", "-c", probe], timeout: 60)
        #expect(ran.status == 0, "\(ran)")
        let lines = ran.stdout.split(separator: "\n").map { $0.split(separator: " ").joined(separator: " ") }
        #expect(lines == ["0 100000 65536", "0 100000 65536", "0", "0", "0:0", "0:0", "wrote"], "\(ran)")

        // Seen from the host, the container's root is the mapped uid.
        let detached = ContainersTasksTests.uniqueID("userns-d")
        let started = try tool.run(daemon, ["run", "-d"] + mapping + [fixtures.latest.name, detached, "sleep", "1000"])
        #expect(started.status == 0, "\(started)")
        defer {
            _ = try? ClientTool.ctr.run(daemon, ["tasks", "kill", "-s", "KILL", detached])
            _ = eventually { (try? ClientTool.ctr.run(daemon, ["tasks", "rm", detached]).status) == 0 }
            _ = try? ClientTool.ctr.run(daemon, ["containers", "rm", detached])
        }
        let row = ContainersTasksTests.rows(try ClientTool.ctr.run(daemon, ["tasks", "ls"]).stdout).first { $0.first == detached }
        let pid = row.flatMap { Int32($0[1]) } ?? 0
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let uids = status.split(separator: "\n").first { $0.hasPrefix("Uid:") }?.split(whereSeparator: \.isWhitespace)
        #expect(uids?.dropFirst().allSatisfy { $0 == "100000" } == true, "\(uids ?? [])")
        // Both containers share the one remapped copy of the image's layers.
        let snapshots = try ClientTool.ctr.run(daemon, ["snapshots", "ls"]).stdout
        #expect(snapshots.contains("\(fixtures.latest.diffID)-100000-100000"), "\(snapshots)")
    }

    @Test func oneMappingWithoutTheOtherIsRefused() throws {
        let (daemon, fixtures) = try ContainersTasksTests.importedDaemon()
        defer { daemon.removeFiles() }
        let refused = try ClientTool.berth.run(daemon, ["run", "--rm", "--uidmap", "0:100000:65536", fixtures.latest.name, "x", "true"])
        #expect(refused.status != 0 && refused.stderr.contains("--uidmap and --gidmap go together"), "\(refused)")
        let malformed = try ClientTool.berth.run(
            daemon, ["run", "--rm", "--uidmap", "0:100000", "--gidmap", "0:100000:65536", fixtures.latest.name, "x", "true"])
        #expect(malformed.status != 0 && malformed.stderr.contains("expected container-id:host-id:length"), "\(malformed)")
    }
}
