import Testing
@testable import Shim

@Suite struct ShimConfigTests {
    @Test func parsesContainerdStartInvocation() throws {
        let config = try ShimConfig.parse(
            ["-namespace", "default", "-address", "/run/containerd/containerd.sock", "-publish-binary",
             "/usr/bin/containerd", "-id", "c1", "start"],
            environment: { $0 == "TTRPC_ADDRESS" ? "/run/containerd/containerd.sock.ttrpc" : nil })
        #expect(config.namespace == "default")
        #expect(config.address == "/run/containerd/containerd.sock")
        #expect(config.publishBinary == "/usr/bin/containerd")
        #expect(config.id == "c1")
        #expect(config.action == .start)
        #expect(config.ttrpcAddress == "/run/containerd/containerd.sock.ttrpc")
    }

    @Test func parsesDeleteWithBundleDebugAndEqualsSyntax() throws {
        let config = try ShimConfig.parse(
            ["--namespace=ns", "-debug", "-id", "x", "-bundle", "/b", "delete"], environment: { _ in nil })
        #expect(config.namespace == "ns")
        #expect(config.debug)
        #expect(config.bundle == "/b")
        #expect(config.action == .delete)
    }

    @Test func noActionMeansServe() throws {
        let config = try ShimConfig.parse(["-namespace", "ns", "-id", "x", "-socket", "/run/berth/s/abc"], environment: { _ in nil })
        #expect(config.action == .serve)
        #expect(config.socket == "/run/berth/s/abc")
    }

    @Test func serveArgumentsRoundTrip() throws {
        var config = try ShimConfig.parse(
            ["-namespace", "ns", "-address", "/a", "-publish-binary", "/p", "-id", "x", "-debug", "start"],
            environment: { _ in nil })
        config.socket = "/run/berth/s/abc"
        var again = try ShimConfig.parse(config.serveArguments, environment: { _ in nil })
        again.action = .start
        #expect(again == config)
    }

    @Test func refusesUnknownFlagsActionsAndMissingNamespace() {
        #expect(throws: ShimError.self) { try ShimConfig.parse(["-namespace", "ns", "-bogus", "1"], environment: { _ in nil }) }
        #expect(throws: ShimError.self) { try ShimConfig.parse(["-namespace", "ns", "frobnicate"], environment: { _ in nil }) }
        #expect(throws: ShimError.self) { try ShimConfig.parse(["-id", "x", "start"], environment: { _ in nil }) }
        #expect(throws: ShimError.self) { try ShimConfig.parse(["-namespace"], environment: { _ in nil }) }
    }

    @Test func socketPathIsShortStableAndPerTask() {
        let first = ShimCommand.socketPath(address: "/run/containerd/containerd.sock", namespace: "default", id: "a")
        #expect(first == ShimCommand.socketPath(address: "/run/containerd/containerd.sock", namespace: "default", id: "a"))
        #expect(first != ShimCommand.socketPath(address: "/run/containerd/containerd.sock", namespace: "default", id: "b"))
        #expect(first != ShimCommand.socketPath(address: "/run/containerd/containerd.sock", namespace: "other", id: "a"))
        #expect(first.hasPrefix("/run/berth/s/"))
        #expect(first.count == "/run/berth/s/".count + 32)
    }
}
