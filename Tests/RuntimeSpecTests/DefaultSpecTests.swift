import Foundation
import Testing

@testable import RuntimeSpec

@Suite("Default spec")
struct DefaultSpecTests {
    @Test("equals what `ctr oci spec` prints, as a struct and key for key", .enabled(if: Tools.ctrAvailable, "needs ctr"))
    func matchesCtr() throws {
        let printed = try Tools.run(Tools.ctr, ["oci", "spec"])
        let ours = DefaultSpec.linux(namespace: "default", containerID: "")
        #expect(try Spec.decode(printed) == ours)
        // The JSON trees too: same keys present and absent, same values.
        let decoder = JSONDecoder()
        #expect(try decoder.decode(JSONValue.self, from: ours.jsonData()) == decoder.decode(JSONValue.self, from: printed))
    }

    @Test("cgroupsPath is /<namespace>/<id>, cleaned as filepath.Join does")
    func cgroupsPath() {
        #expect(DefaultSpec.linux(namespace: "k8s.io", containerID: "abc").linux?.cgroupsPath == "/k8s.io/abc")
        #expect(DefaultSpec.linux(namespace: "default", containerID: "").linux?.cgroupsPath == "/default")
    }

    @Test("the parts of containerd's default")
    func contents() throws {
        let spec = DefaultSpec.linux(namespace: "default", containerID: "c1")
        let process = try #require(spec.process)
        #expect(spec.ociVersion == "1.0.2-dev")
        #expect(process.cwd == "/" && process.env.isEmpty && process.noNewPrivileges)
        #expect(process.capabilities?.bounding.count == 14 && process.capabilities?.inheritable == [])
        #expect(process.rlimits == [Spec.POSIXRlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 1024)])
        #expect(spec.root == Spec.Root(path: "rootfs"))
        #expect(spec.mounts.map(\.destination) == ["/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/run"])
        #expect(spec.linux?.namespaces.map(\.type.rawValue) == ["pid", "ipc", "uts", "mount", "network"])
        #expect(spec.linux?.resources?.devices == [Spec.LinuxDeviceCgroup(allow: false, access: "rwm")])
        #expect(spec.linux?.maskedPaths.count == 10 && spec.linux?.readonlyPaths.count == 5)
    }
}
