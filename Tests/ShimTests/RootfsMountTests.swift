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
}
