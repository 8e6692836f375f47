import BerthAPI
import Foundation
import SwiftProtobuf
import Testing

@testable import Runtime

@Suite struct RuncShimStartTests {
    static let stock = "/usr/bin/containerd-shim-runc-v2"
    static let plainSpec = Data(#"{"ociVersion":"1.0.2","process":{"args":["sh"]},"annotations":{"a":"b"}}"#.utf8)

    static func runcOptions(_ configure: (inout Containerd_Runc_V1_Options) -> Void) throws -> Google_Protobuf_Any {
        var options = Containerd_Runc_V1_Options()
        configure(&options)
        return try Google_Protobuf_Any(message: options, typePrefix: "containerd.linux.runc")
    }

    @Test func theStockShimWithNothingSpecialIsStartedDirectly() throws {
        #expect(RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: nil, environment: [:]))
        let crun = try Self.runcOptions { $0.binaryName = "crun" }
        #expect(RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: crun, environment: [:]))
    }

    @Test func whateverStartWouldHandleGoesThroughStart() throws {
        // Another shim: only runc-v2's start is known.
        #expect(!RuncShimStart.applies(
            binary: "/usr/bin/containerd-shim-berth-v1", spec: Self.plainSpec, options: nil, environment: [:]))
        // Shim groups: the task may join a running shim.
        for annotation in RuncShimStart.groupAnnotations {
            let spec = Data(#"{"annotations":{"\#(annotation)":"pod"}}"#.utf8)
            #expect(!RuncShimStart.applies(binary: Self.stock, spec: spec, options: nil, environment: [:]))
        }
        // An escape could spell an annotation name.
        let escaped = Data(#"{"annotations":{"io.kubernetes.cri.sandbox\u002did":"pod"}}"#.utf8)
        #expect(!RuncShimStart.applies(binary: Self.stock, spec: escaped, options: nil, environment: [:]))
        // A shim cgroup, options of another type, options that do not decode.
        let cgroup = try Self.runcOptions { $0.shimCgroup = "/shims" }
        #expect(!RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: cgroup, environment: [:]))
        let other = try Google_Protobuf_Any(message: Google_Protobuf_StringValue("x"))
        #expect(!RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: other, environment: [:]))
        var broken = try Self.runcOptions { $0.binaryName = "crun" }
        broken.value = Data([0xFF, 0xFF])
        #expect(!RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: broken, environment: [:]))
        // Core scheduling, which start sets up before it spawns.
        #expect(!RuncShimStart.applies(binary: Self.stock, spec: Self.plainSpec, options: nil, environment: ["SCHED_CORE": "1"]))
    }

    @Test func theSocketIsNamedAsTheShimNamesIt() {
        // sha256("/run/berth/berth.sock/default/web"), as Go's shim.SocketAddress computes it.
        #expect(RuncShimStart.socketAddress(daemonAddress: "/run/berth/berth.sock", namespace: "default", id: "web")
            == "unix:///run/containerd/s/0939c2b5303731eafe4b04ee7065f681e1229c300c943f8670f8b6b2c103b6cd")
    }

    @Test func theListenerTakesConnectionsWithTheModeAsked() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-listen-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let path = folder + "/s.sock"
        let listener = try UnixListener.listen(path: path, mode: 0o600)
        defer { close(listener) }
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(fcntl(listener, F_GETFD) & FD_CLOEXEC != 0)
        // A second listener on the same path is refused, and leaves the first one's file in place.
        #expect(throws: (any Error).self) { _ = try UnixListener.listen(path: path, mode: 0o600) }
        #expect(FileManager.default.fileExists(atPath: path))
        #expect(throws: (any Error).self) {
            _ = try UnixListener.listen(path: folder + "/" + String(repeating: "x", count: 120), mode: 0o600)
        }
    }
}
