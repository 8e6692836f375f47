import Foundation
import Testing

/// Archives cross between berthd and real containerd in both directions, and an ingest survives a kill -9.
@Suite(.serialized, .imageFixtures) struct InteropAndRestartTests {
    @Test func archivesCrossBetweenBerthdAndContainerd() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/containerd") else { return }
        let fixtures = try ImageFixtures.current()
        let containerd = try ReferenceContainerd()
        defer { containerd.release() }
        let berthd = try DaemonProcess()
        defer { berthd.removeFiles() }

        // containerd exports, berth imports (and unpacks).
        #expect(try containerd.ctr(["images", "import", "--no-unpack", fixtures.ociArchive], timeout: 120).status == 0)
        let fromContainerd = berthd.base + "/from-containerd.tar"
        let exported = try containerd.ctr(["images", "export", fromContainerd, fixtures.latest.name], timeout: 120)
        #expect(exported.status == 0, "\(exported)")
        let imported = try Command.run(Binaries.berth, ["--address", berthd.socket, "images", "import", fromContainerd], timeout: 120)
        #expect(imported.status == 0, "\(imported)")
        #expect(try ClientTool.ctr.run(berthd, ["images", "check"]).stdout.contains("complete (2/2)"))

        // berth exports, containerd imports.
        let fromBerth = berthd.base + "/from-berth.tar"
        let berthExport = try Command.run(
            Binaries.berth, ["--address", berthd.socket, "images", "export", fromBerth, fixtures.latest.name], timeout: 120)
        #expect(berthExport.status == 0, "\(berthExport)")
        #expect(try containerd.ctr(["images", "rm", "--sync", fixtures.latest.name]).status == 0)
        let back = try containerd.ctr(["images", "import", "--no-unpack", fromBerth], timeout: 120)
        #expect(back.status == 0, "\(back)")
        let check = try containerd.ctr(["images", "check"])
        #expect(check.stdout.contains("complete (2/2)"), "\(check)")
        #expect(check.stdout.contains(fixtures.latest.manifest), "\(check)")
    }

    @Test func anIngestInterruptedByKillingBerthdResumesAfterRestart() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let size = 64 << 20
        let blob = daemon.base + "/blob"
        try Data((0..<size).map { UInt8(truncatingIfNeeded: ($0 &* 2654435761) >> 13) }).write(to: URL(fileURLWithPath: blob))
        let digest = "sha256:" + (try Command.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [blob]).stdout.prefix(64))

        // Feed the first half through a pipe that then stalls, and kill the daemon mid-ingest.
        let pipe = Pipe()
        let ingest = Process()
        ingest.executableURL = Binaries.ctr
        ingest.arguments = ["--address", daemon.socket, "content", "ingest", "--expected-size", "\(size)", "--expected-digest", digest, "big"]
        ingest.standardInput = pipe
        ingest.standardOutput = FileHandle.nullDevice
        ingest.standardError = FileHandle.nullDevice
        try ingest.run()
        let data = try Data(contentsOf: URL(fileURLWithPath: blob))
        pipe.fileHandleForWriting.write(data.prefix(size / 2))
        var active = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            active = try ClientTool.ctr.run(daemon, ["content", "active"]).stdout
            if active.contains("big") && active.contains("MB") { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(daemon.stop(signal: SIGKILL) != 0)
        try? pipe.fileHandleForWriting.close()
        ingest.waitUntilExit()

        let restarted = try DaemonProcess(base: daemon.base)
        let listed = try ClientTool.ctr.run(restarted, ["content", "active"])
        #expect(listed.stdout.contains("big"), "the interrupted ingest is listed:\n\(listed)")
        // The same ref resumes from what was stored and commits the right bytes.
        let resumed = Process()
        resumed.executableURL = Binaries.ctr
        resumed.arguments = ["--address", restarted.socket, "content", "ingest", "--expected-size", "\(size)", "--expected-digest", digest, "big"]
        resumed.standardInput = try FileHandle(forReadingFrom: URL(fileURLWithPath: blob))
        try resumed.run()
        resumed.waitUntilExit()
        #expect(resumed.terminationStatus == 0)
        #expect(try ClientTool.ctr.run(restarted, ["content", "ls", "-q"]).stdout == "\(digest)\n")
        #expect(try ClientTool.ctr.run(restarted, ["content", "active"]).stdout.split(separator: "\n").count == 1)
        let copy = restarted.base + "/copy"
        _ = FileManager.default.createFile(atPath: copy, contents: nil)
        let getter = Process()
        getter.executableURL = Binaries.ctr
        getter.arguments = ["--address", restarted.socket, "content", "get", digest]
        getter.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: copy))
        try getter.run()
        getter.waitUntilExit()
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == data)
    }
}
