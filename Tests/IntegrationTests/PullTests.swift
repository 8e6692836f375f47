import Foundation
import Testing

/// Pulls from a real registry (Debian's docker-registry on loopback, images pushed by skopeo): `berth images
/// pull` through berthd's content service, and the stock `ctr images pull` against berthd.
@Suite(.serialized, .imageFixtures) struct PullTests {
    @Test func berthPullsUnpacksAndRunsAnImage() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/busybox:1")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(registry.address)/berth/busybox:1"

        let pulled = try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("layer-\(fixtures.latest.layer)"), "\(pulled)")
        #expect(pulled.stdout.contains("unpacking linux/amd64 \(fixtures.latest.manifest)"), "\(pulled)")

        let check = try ClientTool.ctr.run(daemon, ["images", "check"])
        #expect(check.stdout.contains(reference), "\(check)")
        #expect(check.stdout.contains(fixtures.latest.manifest), "the digest skopeo pushed:\n\(check)")
        #expect(check.stdout.contains("complete (2/2)") && check.stdout.contains(" true"), "\(check)")
        #expect(try ClientTool.ctr.run(daemon, ["leases", "ls", "-q"]).stdout == "", "the pull's lease is gone")
        #expect(try ClientTool.ctr.run(daemon, ["content", "active"]).stdout.split(separator: "\n").count <= 1)

        let ran = try ClientTool.berth.run(daemon, ["run", "--rm", reference, "pulled-\(UUID().uuidString.prefix(6).lowercased())", "echo", "pulled"])
        #expect(ran.status == 0 && ran.stdout == "pulled\n", "\(ran)")

        // An unknown tag: a clear error, and no image named.
        let missing = try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", "\(registry.address)/berth/busybox:nope"])
        #expect(missing.status != 0)
        #expect(missing.stderr.contains("not found"), "\(missing)")
        #expect(!(try ClientTool.ctr.run(daemon, ["images", "ls", "-q"]).stdout.contains("nope")))
    }

    @Test func stockCtrPullsThroughBerthd() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "other", to: "berth/other:2")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(registry.address)/berth/other:2"
        let pulled = try ClientTool.ctr.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        let listed = try ClientTool.ctr.run(daemon, ["images", "ls", "-q"])
        #expect(listed.stdout == reference + "\n", "\(listed)")
        let check = try ClientTool.ctr.run(daemon, ["images", "check"])
        #expect(check.stdout.contains(fixtures.other.manifest) && check.stdout.contains("complete (2/2)"), "\(check)")
    }
}
