import BerthAPI
import FuzzSupport
import NIOCore
import SwiftProtobuf
import Testing

@testable import TTRPC

/// The daemon's ttrpc server (what shims publish events to) under hostile bytes: mutated request frames and
/// random bytes on many connections. It answers or hangs up on each, and afterwards still serves a real client.
@Suite(.timeLimit(.minutes(1)))
struct TTRPCFuzzTests {
    @Test func hostileFramesLeaveTheServerServing() async throws {
        try await TestServer.with(register: { server in
            server.register(service: ClientServerTests.taskService, method: "Connect") {
                (request: ClientServerTests.ConnectRequest, _) in
                ClientServerTests.ConnectResponse.with { $0.version = request.id }
            }
        }) { fixture in
            let request = try Ttrpc_Request.with {
                $0.service = ClientServerTests.taskService
                $0.method = "Connect"
                $0.payload = try ClientServerTests.connectRequest("abc").serializedBytes()
                $0.timeoutNano = 1_000_000_000
            }.serializedBytes() as [UInt8]
            let valid = Array(RawConnection.frameBytes(streamID: 1, type: 1, payload: request).readableBytesView)
            let mutation = Mutation(specials: "\u{0}\u{1}\u{2}\u{FF}\u{0A}\u{12}", rounds: 1...6)
            var rng = SplitMix64(state: 0x77F2)
            let connections = 400
            for i in 0..<connections {
                let bytes = i.isMultiple(of: 4)
                    ? (0..<Int.random(in: 1...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                    : mutation.apply(valid + valid, &rng)
                let raw = try await RawConnection.connect(fixture.socketPath)
                try await raw.send(ByteBuffer(bytes: bytes))
                await raw.close()
            }
            let response = try await fixture.client.call(
                service: ClientServerTests.taskService, method: "Connect", request: ClientServerTests.connectRequest("still"),
                responseType: ClientServerTests.ConnectResponse.self)
            #expect(response.version == "still")
            print("ttrpc fuzz: \(connections) connections of hostile frames, server still serving")
        }
    }

    /// The committed frames (`Tests/Corpus/ttrpc`): a 4 GiB length, a header cut short, streams the client may
    /// not use, unknown types. Each goes on its own connection, all stay open together, and a real client is
    /// served afterwards.
    @Test func corpusFramesLeaveTheServerServing() async throws {
        let entries = try Corpus.entries("ttrpc")
        try await TestServer.with(register: { server in
            server.register(service: ClientServerTests.taskService, method: "Connect") {
                (request: ClientServerTests.ConnectRequest, _) in
                ClientServerTests.ConnectResponse.with { $0.version = request.id }
            }
        }) { fixture in
            var open: [RawConnection] = []
            for entry in entries {
                let raw = try await RawConnection.connect(fixture.socketPath)
                try await raw.send(ByteBuffer(bytes: entry.bytes))
                open.append(raw)
            }
            let response = try await fixture.client.call(
                service: ClientServerTests.taskService, method: "Connect", request: ClientServerTests.connectRequest("still"),
                responseType: ClientServerTests.ConnectResponse.self)
            #expect(response.version == "still")
            for raw in open { await raw.close() }
            print("corpus ttrpc: \(entries.count) hostile frames replayed, server still serving")
        }
    }
}
