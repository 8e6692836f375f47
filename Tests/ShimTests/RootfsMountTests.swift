import BerthAPI
import Glibc
import Testing
@testable import Shim

@Suite struct RootfsMountTests {
    @Test func overlayOptionsBecomeData() {
        let mount = RootfsMount(
            type: "overlay", source: "overlay",
            options: ["index=off", "workdir=/w", "upperdir=/u", "lowerdir=/l1:/l2"])
        #expect(mount.flags == 0)
        #expect(mount.data == "index=off,workdir=/w,upperdir=/u,lowerdir=/l1:/l2")
    }

    @Test func bindOptionsBecomeFlags() {
        let mount = RootfsMount(type: "bind", source: "/snap/fs", options: ["ro", "rbind", "nosuid"])
        #expect(mount.flags == RootfsMount.readOnly | RootfsMount.bind | RootfsMount.recursive | 0x2)
        #expect(mount.data == "")
        // Later options win, as in containerd's parser.
        #expect(RootfsMount(type: "bind", source: "/s", options: ["ro", "rw"]).flags & RootfsMount.readOnly == 0)
    }

    /// Eighty lower dirs under a long path are more than a page of options: the shim mounts them relative to
    /// their common parent, from inside it, and returns to its own working directory afterwards.
    @Test(.enabled(if: geteuid() == 0)) func longOverlayOptionsMountFromTheLayersDirectory() throws {
        let scratch = try TemporaryDirectory()
        defer { scratch.remove() }
        let snapshots = scratch.path + "/io.containerd.snapshotter.v1.overlayfs/" + String(repeating: "s", count: 40)
        let lowers = (1...80).map { "\(snapshots)/\($0)/fs" }
        for (index, lower) in lowers.enumerated() {
            try makeDirectory(lower)
            let file = fopen(lower + "/layer\(index + 1)", "w")
            if let file { fclose(file) }
        }
        for directory in ["/upper", "/work", "/rootfs"] { try makeDirectory(scratch.path + directory) }
        let mount = Containerd_Types_Mount.with {
            $0.type = "overlay"
            $0.source = "overlay"
            $0.options = [
                "index=off", "workdir=\(scratch.path)/work", "upperdir=\(scratch.path)/upper",
                "lowerdir=" + lowers.reversed().joined(separator: ":"),
            ]
        }
        #expect(mount.options.joined(separator: ",").utf8.count > 4096)
        let before = currentDirectory()
        try RootfsMount.mountAll([mount], on: scratch.path + "/rootfs")
        defer { RootfsMount.unmountAll(scratch.path + "/rootfs") }
        #expect(currentDirectory() == before)
        #expect(access(scratch.path + "/rootfs/layer1", F_OK) == 0)
        #expect(access(scratch.path + "/rootfs/layer80", F_OK) == 0)
    }

    private func makeDirectory(_ path: String) throws {
        var built = ""
        for part in path.split(separator: "/") {
            built += "/" + part
            guard mkdir(built, 0o755) == 0 || errno == EEXIST else { throw ShimError.system("mkdir \(built)") }
        }
    }

    private func currentDirectory() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        return getcwd(&buffer, buffer.count).map { String(cString: $0) } ?? ""
    }
}
