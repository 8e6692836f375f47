import Foundation
import Testing

@testable import RuntimeSpec

@Suite("Paths inside a rootfs")
struct RootfsPathTests {
    @Test("absolute and relative symlinks and .. stay inside the rootfs")
    func confinement() throws {
        let rootfs = try TemporaryDirectory()
        let path = RootfsPath(root: rootfs.path)
        try rootfs.symlink("etc", to: "/usr/etc")
        try rootfs.symlink("usr/etc/passwd", to: "../../../../../shadow")
        #expect(try path.resolve("/etc/passwd") == rootfs.path + "/shadow")
        // ".." after a symlink goes up from where the link led, as in continuity's RootPath.
        #expect(try path.resolve("/../../etc/../x") == rootfs.path + "/usr/x")
        #expect(try path.resolve("/../../a/../x") == rootfs.path + "/x")
        #expect(try path.resolve("/") == rootfs.path)
        #expect(try path.resolve("/missing/dir/file") == rootfs.path + "/missing/dir/file")
    }

    @Test("symlink loops end with an error")
    func loops() throws {
        let rootfs = try TemporaryDirectory()
        try rootfs.symlink("a", to: "/b")
        try rootfs.symlink("b", to: "a")
        #expect(throws: SpecError.tooManyLinks(path: "/a")) { try RootfsPath(root: rootfs.path).resolve("/a") }
    }

    @Test("GoPath.clean and join match Go's filepath")
    func goPath() {
        #expect(GoPath.clean("") == ".")
        #expect(GoPath.clean("/../a//b/./c/..") == "/a/b")
        #expect(GoPath.clean("a/../../b") == "../b")
        #expect(GoPath.clean("/dev/shm/") == "/dev/shm")
        #expect(GoPath.join("/", "ns", "") == "/ns")
        #expect(GoPath.join("", "") == "")
    }
}
