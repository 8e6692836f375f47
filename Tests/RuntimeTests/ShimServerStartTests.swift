import BerthAPI
import BerthCore
import Foundation
import SwiftProtobuf
import Testing

@testable import Runtime

@Suite struct ShimServerStartTests {
    static let stock = "/usr/bin/containerd-shim-runc-v2"
    static let plainSpec = Data(#"{"ociVersion":"1.0.2","process":{"args":["sh"]},"annotations":{"a":"b"}}"#.utf8)

    static func runcOptions(_ configure: (inout Containerd_Runc_V1_Options) -> Void) throws -> Google_Protobuf_Any {
        var options = Containerd_Runc_V1_Options()
        configure(&options)
        return try Google_Protobuf_Any(message: options, typePrefix: "containerd.linux.runc")
    }

    static let config = RuntimeConfig(
        root: "/var/lib/berth", state: "/run/berth", daemonAddress: "/run/berth/berth.sock",
        ttrpcAddress: "/run/berth/berth.sock.ttrpc", publishBinary: "/usr/bin/berthd")
    static let bundle = TaskBundle(root: config.root, state: config.state, namespace: "default", id: "web")

    static func plan(_ binary: String, spec: Data = plainSpec, options: Google_Protobuf_Any? = nil) -> ShimServerStart? {
        ShimServerStart.plan(
            binary: binary, bundle: bundle, spec: spec, options: options, config: config, environment: ["PATH": "/bin"])
    }

    @Test func theStockShimWithNothingSpecialIsStartedDirectly() throws {
        let plan = try #require(Self.plan(Self.stock))
        #expect(plan.arguments == ["-namespace", "default", "-id", "web", "-address", "/run/berth/berth.sock"])
        #expect(plan.environment == ["PATH": "/bin", "GOMAXPROCS": "4"])
        #expect(!plan.newSession && plan.adjustsOOMScore && !plan.writesPidFile)
        let crun = try Self.runcOptions { $0.binaryName = "crun" }
        #expect(ShimServerStart.Runc.applies(spec: Self.plainSpec, options: crun, environment: [:]))
    }

    @Test func berthsShimIsStartedAsItsStartWould() throws {
        let plan = try #require(Self.plan("/usr/local/bin/containerd-shim-berth-v1"))
        let socket = BerthShimSocket.path(address: "/run/berth/berth.sock", namespace: "default", id: "web")
        #expect(plan.socketPath == socket)
        #expect(plan.arguments == [
            "-namespace", "default", "-id", "web", "-address", "/run/berth/berth.sock",
            "-publish-binary", "/usr/bin/berthd", "-socket", socket,
        ])
        #expect(plan.environment == ["PATH": "/bin"])
        #expect(plan.newSession && !plan.adjustsOOMScore && plan.writesPidFile)
    }

    @Test func whateverStartWouldHandleGoesThroughStart() throws {
        // Another shim: only runc-v2's and Berth's starts are known.
        #expect(Self.plan("/usr/bin/containerd-shim-kata-v2") == nil)
        #expect(Self.plan("/usr/bin/containerd-shim-runc-v1") == nil)
        // Shim groups: the task may join a running shim.
        for annotation in ShimServerStart.Runc.groupAnnotations {
            let spec = Data(#"{"annotations":{"\#(annotation)":"pod"}}"#.utf8)
            #expect(Self.plan(Self.stock, spec: spec) == nil)
        }
        // An escape could spell an annotation name.
        let escaped = Data(#"{"annotations":{"io.kubernetes.cri.sandbox\u002did":"pod"}}"#.utf8)
        #expect(Self.plan(Self.stock, spec: escaped) == nil)
        // A shim cgroup, options of another type, options that do not decode.
        let cgroup = try Self.runcOptions { $0.shimCgroup = "/shims" }
        #expect(Self.plan(Self.stock, options: cgroup) == nil)
        let other = try Google_Protobuf_Any(message: Google_Protobuf_StringValue("x"))
        #expect(Self.plan(Self.stock, options: other) == nil)
        var broken = try Self.runcOptions { $0.binaryName = "crun" }
        broken.value = Data([0xFF, 0xFF])
        #expect(Self.plan(Self.stock, options: broken) == nil)
        // Core scheduling, which start sets up before it spawns.
        #expect(!ShimServerStart.Runc.applies(spec: Self.plainSpec, options: nil, environment: ["SCHED_CORE": "1"]))
    }

    @Test func theSocketIsNamedAsTheShimNamesIt() {
        // sha256("/run/berth/berth.sock/default/web"), as Go's shim.SocketAddress computes it.
        #expect(Self.plan(Self.stock)?.address
            == "unix:///run/containerd/s/0939c2b5303731eafe4b04ee7065f681e1229c300c943f8670f8b6b2c103b6cd")
    }

    @Test func theListenerTakesConnectionsWithTheModeAsked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-listen-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/s.sock"
        let listener = try UnixListener.listen(path: path, mode: 0o600)
        var closed = false
        defer { if !closed { close(listener) } }
        #expect(UnixListener.isServed(path: path))
        #expect(!UnixListener.isServed(path: folder + "/none.sock"))
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC != 0)
        // A second listener on the same path is refused, and leaves the first one's file in place.
        #expect(throws: (any Error).self) { _ = try UnixListener.listen(path: path, mode: 0o600) }
        #expect(FileManager.default.fileExists(atPath: path))
        // A socket file nobody listens on any more is not served: a launch may take its place.
        close(listener)
        closed = true
        // A child another test is spawning meanwhile may hold the descriptor until its exec closes it.
        var served = true
        for _ in 0..<100 where served {
            served = UnixListener.isServed(path: path)
            if served { usleep(10_000) }
        }
        #expect(!served)
        #expect(throws: (any Error).self) {
            _ = try UnixListener.listen(path: folder + "/" + String(repeating: "x", count: 120), mode: 0o600)
        }
    }
}
