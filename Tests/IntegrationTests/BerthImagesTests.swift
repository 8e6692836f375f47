import Foundation
import Testing

/// `berth images import|export|ls|check|rm`, `berth content` and `berth leases` against berthd, with the stock
/// ctr and skopeo as independent witnesses.
@Suite(.serialized, .imageFixtures) struct BerthImagesTests {
    func berth(_ daemon: DaemonProcess, _ arguments: [String], timeout: TimeInterval = 120) throws -> CommandResult {
        try Command.run(Binaries.berth, ["--address", daemon.socket] + arguments, timeout: timeout)
    }

    @Test(arguments: ["oci", "docker"])
    func importUnpacksAndCtrSeesACompleteUnpackedImage(_ format: String) throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let archive = format == "oci" ? fixtures.ociArchive : fixtures.dockerArchive
        let imported = try berth(daemon, ["images", "import", archive])
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout.hasPrefix("unpacking \(fixtures.latest.name) (sha256:"), "\(imported)")
        #expect(imported.stdout.hasSuffix("...done\n"), "\(imported)")

        let listed = try berth(daemon, ["images", "ls"])
        let rows = listed.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
        #expect(rows.first == ["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"], "\(listed)")
        #expect(rows.dropFirst().first?.first == fixtures.latest.name, "\(listed)")
        #expect(rows.dropFirst().first?.contains("linux/amd64") == true, "\(listed)")

        let check = try ClientTool.ctr.run(daemon, ["images", "check"])
        #expect(check.status == 0, "\(check)")
        #expect(check.stdout.contains("complete (2/2)"), "\(check)")
        #expect(check.stdout.contains(" true"), "unpacked:\n\(check)")
        // No lease is left behind by the import.
        #expect(try ClientTool.ctr.run(daemon, ["leases", "ls", "-q"]).stdout == "")

        // Removing the image collects its content and its snapshots.
        #expect(try berth(daemon, ["images", "rm", "--sync", fixtures.latest.name]).status == 0)
        #expect(try ClientTool.ctr.run(daemon, ["content", "ls", "-q"]).stdout == "")
        #expect(try ClientTool.ctr.run(daemon, ["snapshots", "ls"]).stdout.split(separator: "\n").count == 1)
        let snapshotDirs = try FileManager.default.contentsOfDirectory(
            atPath: daemon.root + "/io.containerd.snapshotter.v1.overlayfs/snapshots")
        #expect(snapshotDirs.isEmpty, "\(snapshotDirs)")
    }

    @Test func exportIsReadByCtrAndSkopeo() throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        #expect(try berth(daemon, ["images", "import", "--no-unpack", fixtures.ociArchive]).status == 0)
        let out = daemon.base + "/export.tar"
        let exported = try berth(daemon, ["images", "export", out, fixtures.latest.name])
        #expect(exported.status == 0, "\(exported)")
        let inspected = try Command.run(URL(fileURLWithPath: "/usr/bin/skopeo"), ["inspect", "oci-archive:\(out)"])
        #expect(inspected.status == 0, "\(inspected)")
        #expect(inspected.stdout.contains(fixtures.latest.manifest), "\(inspected)")

        let fresh = try DaemonProcess()
        defer { fresh.removeFiles() }
        let reimported = try ClientTool.ctr.run(fresh, ["images", "import", out], timeout: 120)
        #expect(reimported.status == 0, "\(reimported)")
        let check = try ClientTool.ctr.run(fresh, ["images", "check"])
        #expect(check.stdout.contains("complete (2/2)"), "\(check)")
    }

    @Test func badArchivesLeaveNoImage() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let garbage = daemon.base + "/garbage.tar"
        try Data(repeating: 0x41, count: 10_000).write(to: URL(fileURLWithPath: garbage))
        let result = try berth(daemon, ["images", "import", garbage])
        #expect(result.status != 0)
        #expect(result.stderr.hasPrefix("berth: "), "\(result)")
        #expect(try berth(daemon, ["images", "ls", "-q"]).stdout == "")
    }

    @Test func contentAndLeaseCommandsRoundTrip() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let blob = daemon.base + "/blob"
        // 40 MB: `berth content ingest` sends writes ahead of their answers, past the server's 4 MiB read
        // pause, and the store starts writeback every 8 MiB.
        let made = try Command.run(URL(fileURLWithPath: "/bin/sh"), ["-c", "head -c 40000000 /dev/urandom > \(blob)"])
        #expect(made.status == 0, "\(made)")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: blob))
        let digest = try Command.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [blob]).stdout.prefix(64)
        let ingest = Process()
        ingest.executableURL = Binaries.berth
        ingest.arguments = ["--address", daemon.socket, "content", "ingest", "--expected-digest", "sha256:\(digest)", "ref1"]
        ingest.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: blob))
        try ingest.run()
        ingest.waitUntilExit()
        #expect(ingest.terminationStatus == 0)
        let copy = daemon.base + "/copy"
        let got = try Command.run(
            URL(fileURLWithPath: "/bin/sh"),
            ["-c", "\(Binaries.berth.path) --address \(daemon.socket) content get sha256:\(digest) > \(copy)"], timeout: 60)
        #expect(got.status == 0, "\(got)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == bytes)
        #expect(try berth(daemon, ["content", "label", "sha256:\(digest)", "containerd.io/gc.root=1"]).stdout == "containerd.io/gc.root=1\n")
        let listed = try berth(daemon, ["content", "ls"])
        #expect(listed.stdout.contains("sha256:\(digest) 40MB"), "\(listed)")

        let lease = try berth(daemon, ["leases", "create", "--id", "keep", "team=infra"])
        #expect(lease.stdout == "keep\n", "\(lease)")
        #expect(try berth(daemon, ["leases", "ls", "-q"]).stdout == "keep\n")
        #expect(try berth(daemon, ["leases", "rm", "keep"]).stdout == "keep\n")
        #expect(try berth(daemon, ["leases", "ls", "-q"]).stdout == "")
    }

    @Test func mountShowsTheImagesFilesAndUnmountRemovesEverything() throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        #expect(try berth(daemon, ["images", "import", fixtures.ociArchive]).status == 0)
        let target = daemon.base + "/mnt"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let mounted = try berth(daemon, ["images", "mount", fixtures.latest.name, target])
        defer { _ = try? Command.run(URL(fileURLWithPath: "/bin/umount"), [target]) }
        #expect(mounted.status == 0, "\(mounted)")
        let listing = try FileManager.default.contentsOfDirectory(atPath: target)
        #expect(!listing.isEmpty, "the image's files are visible: \(listing)")
        let tree = try berth(daemon, ["snapshots", "tree"])
        #expect(tree.stdout.contains("\\_ \(target)"), "\(tree)")
        let unmounted = try berth(daemon, ["images", "unmount", "--rm", target])
        #expect(unmounted.status == 0, "\(unmounted)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: target).isEmpty)
        #expect(try berth(daemon, ["leases", "ls", "-q"]).stdout == "")
        #expect(!(try berth(daemon, ["snapshots", "ls"]).stdout.contains(target)))
    }

    @Test func snapshotCommandsFollowCtrsShapes() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let prepared = try berth(daemon, ["snapshots", "prepare", "--target", "/mnt/x", "base"])
        #expect(prepared.status == 0, "\(prepared)")
        #expect(prepared.stdout.hasPrefix("mount -t bind "), "\(prepared)")
        #expect(try berth(daemon, ["snapshots", "commit", "layer", "base"]).status == 0)
        #expect(try berth(daemon, ["snapshots", "prepare", "top", "layer"]).status == 0)
        let mounts = try berth(daemon, ["snapshots", "mounts", "/mnt/y", "top"])
        #expect(mounts.stdout.hasPrefix("mount -t overlay overlay /mnt/y -o workdir="), "\(mounts)")
        // ctr reads what berth made, and the other way round.
        let listed = try ClientTool.ctr.run(daemon, ["snapshots", "ls"])
        #expect(listed.stdout.contains("top"), "\(listed)")
        let info = try berth(daemon, ["snapshots", "info", "layer"])
        #expect(info.stdout.contains("\"Kind\": \"Committed\""), "\(info)")
        #expect(info.stdout.contains("containerd.io/gc.root"), "\(info)")
        let usage = try berth(daemon, ["snapshots", "usage", "-b"])
        #expect(usage.stdout.split(separator: "\n").count == 3, "\(usage)")
        #expect(try berth(daemon, ["snapshots", "label", "top", "k=v"]).stdout.contains("k=v"))
        let removeParent = try berth(daemon, ["snapshots", "rm", "layer"])
        #expect(removeParent.status != 0)
        #expect(removeParent.stderr.contains("cannot remove snapshot with child"), "\(removeParent)")
        #expect(try berth(daemon, ["snapshots", "rm", "top", "layer"]).status == 0)
        #expect(try ClientTool.ctr.run(daemon, ["snapshots", "ls"]).stdout.split(separator: "\n").count == 1)
    }
}
