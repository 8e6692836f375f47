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

    /// `berth images push`: an imported image is uploaded blob by blob, a pulled one is mounted from its source
    /// repository; skopeo sees the same manifest digest either way.
    @Test func berthPushesWhatSkopeoReadsBack() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        #expect(try ClientTool.ctr.run(daemon, ["images", "import", fixtures.ociArchive], timeout: 120).status == 0)

        let uploaded = "\(registry.address)/berth/uploaded:1"
        let pushed = try ClientTool.berth.run(daemon, ["images", "push", "--plain-http", uploaded, fixtures.latest.name], timeout: 120)
        #expect(pushed.status == 0, "\(pushed)")
        #expect(try Self.remoteDigest(uploaded) == fixtures.latest.manifest)

        #expect(try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", uploaded], timeout: 120).status == 0)
        let copy = "\(registry.address)/berth/copy:2"
        let mounted = try ClientTool.berth.run(daemon, ["images", "push", "--plain-http", copy, uploaded], timeout: 120)
        #expect(mounted.status == 0, "\(mounted)")
        #expect(mounted.stdout.contains("mounted from berth/uploaded"), "\(mounted)")
        #expect(try Self.remoteDigest(copy) == fixtures.latest.manifest)
    }

    static func remoteDigest(_ reference: String) throws -> String? {
        let inspected = try Command.run(
            URL(fileURLWithPath: "/usr/bin/skopeo"), ["inspect", "--tls-verify=false", "docker://\(reference)"], timeout: 60)
        let object = try JSONSerialization.jsonObject(with: Data(inspected.stdout.utf8)) as? [String: Any]
        return object?["Digest"] as? String
    }
}
