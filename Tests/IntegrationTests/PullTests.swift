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
        #expect(pulled.stdout.contains("unpacked \(reference) (overlayfs): 1 layers applied while downloading, 0 after"), "\(pulled)")

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

    /// `--local` pulls in the client through the content service, as ctr does, then unpacks through the diff service.
    @Test func berthPullsLocallyThroughTheContentService() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/local:1")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(registry.address)/berth/local:1"
        let pulled = try ClientTool.berth.run(daemon, ["images", "pull", "--local", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("unpacking linux/amd64 \(fixtures.latest.manifest)"), "\(pulled)")
        let check = try ClientTool.ctr.run(daemon, ["images", "check"])
        #expect(check.stdout.contains("complete (2/2)") && check.stdout.contains(" true"), "\(check)")
    }

    /// The daemon's pull outlives its client: killed half way through a slow download, the image still arrives,
    /// complete and unpacked, and the pull's lease is gone afterwards.
    @Test func daemonPullOutlivesAKilledClient() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/slow:1")
        // About four seconds for the busybox layer.
        let proxy = try ThrottlingProxy(upstream: registry.address, bytesPerSecond: max(64 << 10, fixtures.latest.layerSize / 4))
        defer { proxy.stop() }
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(proxy.address)/berth/slow:1"

        let client = try Background(Binaries.berth, ["--address", daemon.socket, "images", "pull", "--plain-http", reference])
        let deadline = Date().addingTimeInterval(20)
        var downloading = false
        while !downloading && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.1)
            downloading = try ClientTool.ctr.run(daemon, ["content", "active"]).stdout.contains("layer-")
        }
        #expect(downloading, "the layer download never started")
        client.process.interrupt()
        kill(client.process.processIdentifier, SIGKILL)
        _ = client.finish()
        #expect(try ClientTool.ctr.run(daemon, ["images", "ls", "-q"]).stdout == "", "named before it was complete")

        var listed = ""
        let arrival = Date().addingTimeInterval(60)
        while listed.isEmpty && Date() < arrival {
            Thread.sleep(forTimeInterval: 0.2)
            listed = try ClientTool.ctr.run(daemon, ["images", "ls", "-q"]).stdout
        }
        #expect(listed == reference + "\n", "the pull did not finish without its client")
        let check = try ClientTool.ctr.run(daemon, ["images", "check"])
        #expect(check.stdout.contains("complete (2/2)") && check.stdout.contains(" true"), "\(check)")
        let snapshots = try ClientTool.ctr.run(daemon, ["snapshots", "ls"])
        #expect(snapshots.stdout.contains(fixtures.latest.diffID), "\(snapshots)")
        // The lease goes just after the image is named.
        var leases = "?"
        let leaseDeadline = Date().addingTimeInterval(10)
        while !leases.isEmpty && Date() < leaseDeadline {
            leases = try ClientTool.ctr.run(daemon, ["leases", "ls", "-q"]).stdout
            if !leases.isEmpty { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(leases == "", "the pull's lease is gone")
    }

    /// Against containerd, which has no transfer service, `berth images pull` pulls through the content service.
    @Test func berthPullsFromContainerdThroughItsContentService() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/tocontainerd:1")
        let containerd = try ReferenceContainerd()
        defer { containerd.release() }
        let reference = "\(registry.address)/berth/tocontainerd:1"
        let pulled = try Command.run(
            Binaries.berth, ["--address", containerd.socket, "images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("the daemon cannot pull by itself"), "\(pulled)")
        let check = try Command.run(Binaries.ctr, ["--address", containerd.socket, "images", "check"])
        #expect(check.stdout.contains(reference) && check.stdout.contains("complete (2/2)"), "\(check)")
    }

    /// The user's credentials travel with the daemon's pull: a registry behind htpasswd Basic auth serves the
    /// image with `--user`, and refuses it (clearly, naming nothing) without.
    @Test func daemonPullUsesTheClientsCredentials() throws {
        let fixtures = try ImageFixtures.current()
        let registry = try LocalRegistry(htpasswd: "berth:s3cret")
        defer { registry.stop() }
        try registry.push(layout: fixtures.layout, tag: "latest", to: "berth/private:1")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(registry.address)/berth/private:1"

        let refused = try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("no credentials"), "\(refused)")
        #expect(try ClientTool.ctr.run(daemon, ["images", "ls", "-q"]).stdout == "")

        let pulled = try ClientTool.berth.run(
            daemon, ["images", "pull", "--plain-http", "--user", "berth:s3cret", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(try ClientTool.ctr.run(daemon, ["images", "ls", "-q"]).stdout == reference + "\n")
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
