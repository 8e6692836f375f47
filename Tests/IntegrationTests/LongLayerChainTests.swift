import Foundation
import Testing

/// An image of 80 layers: the overlay lower-dir list of its root filesystem is longer than a page, so mounts
/// of it are made relative to the snapshots directory. `berth images mount` and `berth run` (whose user lookup
/// mounts the rootfs, as the stock shim does to start it) see every layer.
@Suite(.serialized, .imageFixtures) struct LongLayerChainTests {
    static let layers = 80

    @Test func anImageWithALowerDirListLongerThanAPageMountsAndRuns() throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let archive = try Self.buildImage(in: daemon.base + "/image")
        let name = "docker.io/library/many-layers:latest"
        let imported = try ClientTool.berth.run(daemon, ["images", "import", archive], timeout: 300)
        #expect(imported.status == 0, "\(imported)")

        let target = daemon.base + "/mnt"
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let mounted = try ClientTool.berth.run(daemon, ["images", "mount", name, target])
        #expect(mounted.status == 0, "\(mounted)")
        if mounted.status == 0 {
            for layer in [1, Self.layers / 2, Self.layers] {
                #expect((try? String(contentsOfFile: "\(target)/layer-\(layer)", encoding: .utf8)) == "\(layer)\n")
            }
            let unmounted = try ClientTool.berth.run(daemon, ["images", "unmount", "--rm", target])
            #expect(unmounted.status == 0, "\(unmounted)")
        }

        // Both shims mount the root filesystem themselves, from the snapshots directory.
        for runtime in ["io.containerd.runc.v2"] + (BerthShimBinary.canRun ? [ShimIntegrationTests.runtime] : []) {
            let id = "many-\(UUID().uuidString.prefix(6).lowercased())"
            let ran = try ClientTool.berth.run(
                daemon, ["run", "--rm", "--runtime", runtime, name, id, "cat", "/layer-\(Self.layers)"], timeout: 60)
            #expect(ran.status == 0 && ran.stdout == "\(Self.layers)\n", "\(runtime): \(ran)")
        }
    }

    /// busybox (sh, cat) in the first layer, then one small file per layer, packed by umoci and skopeo.
    static func buildImage(in directory: String) throws -> String {
        let layout = directory + "/oci"
        try FileManager.default.createDirectory(atPath: directory + "/files/bin", withIntermediateDirectories: true)
        func run(_ tool: String, _ arguments: [String]) throws {
            let result = try Command.run(URL(fileURLWithPath: tool), arguments, timeout: 60)
            guard result.status == 0 else { throw TestFailure("\(tool) failed: \(result)") }
        }
        try run("/usr/bin/umoci", ["init", "--layout", layout])
        try run("/usr/bin/umoci", ["new", "--image", layout + ":latest"])
        try FileManager.default.copyItem(atPath: ImageFixtures.busybox, toPath: directory + "/files/bin/busybox")
        for applet in ["sh", "cat"] {
            try FileManager.default.createSymbolicLink(atPath: directory + "/files/bin/" + applet, withDestinationPath: "busybox")
        }
        try run("/bin/tar", ["-C", directory + "/files", "-cf", directory + "/base.tar", "bin"])
        try run("/usr/bin/umoci", ["raw", "add-layer", "--image", layout + ":latest", directory + "/base.tar"])
        for layer in 1...layers {
            let file = directory + "/layer-\(layer)"
            try "\(layer)\n".write(toFile: file, atomically: false, encoding: .utf8)
            try run("/bin/tar", ["-C", directory, "-cf", file + ".tar", "layer-\(layer)"])
            try run("/usr/bin/umoci", ["raw", "add-layer", "--no-history", "--image", layout + ":latest", file + ".tar"])
        }
        let archive = directory + "/many-layers.tar"
        try run("/usr/bin/skopeo", ["copy", "-q", "oci:\(layout):latest", "oci-archive:\(archive):docker.io/library/many-layers:latest"])
        return archive
    }
}
