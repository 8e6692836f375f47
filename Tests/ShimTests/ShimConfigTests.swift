import Testing
@testable import Shim

@Suite struct ShimConfigTests {
    @Test func parsesContainerdStartInvocation() throws {
        let config = try ShimConfig.parse(
            ["-namespace", "default", "-address", "/run/containerd/containerd.sock", "-publish-binary", "/usr/bin/containerd",
             "-id", "c1", "start"],
            environment: { $0 == "TTRPC_ADDRESS" ? "/run/containerd/containerd.sock.ttrpc" : nil })
        #expect(config.namespace == "default")
        #expect(config.id == "c1")
        #expect(config.action == .start)
        #expect(config.ttrpcAddress == "/run/containerd/containerd.sock.ttrpc")
    }
}
