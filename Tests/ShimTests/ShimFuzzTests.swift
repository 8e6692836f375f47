import BerthAPI
import Foundation
import FuzzSupport
import Glibc
import SwiftProtobuf
import Testing
@testable import Shim

/// Hostile input to Berth's shim, seeded and bounded: frame headers and payloads of any shape to its ttrpc
/// framing, and garbage or mutated requests to every Task method that touches no container (Create and Exec
/// would run runc and mount). Every request gets an answer; nothing traps.
@Suite struct ShimFuzzTests {
    @Test func framingNeverTrapsOrOverreads() {
        var rng = SplitMix64(state: 0x5F1A)
        let valid = TTRPCFraming.encode(.init(streamID: 1, type: 1, payload: Array(repeating: 7, count: 40)))
        let mutation = Mutation(specials: "\u{0}\u{1}\u{2}\u{FF}", rounds: 1...6)
        var frames = 0
        for i in 0..<20_000 {
            let bytes = i.isMultiple(of: 2)
                ? (0..<Int.random(in: 0...64, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : mutation.apply(valid, &rng)
            // Sliced at a random start, as the connection hands its buffer in.
            let start = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &rng)
            if case .frame(let frame, let consumed) = TTRPCFraming.decode(bytes[start...]) {
                #expect(consumed == TTRPCFraming.headerLength + frame.payload.count && consumed <= bytes.count - start)
                frames += 1
            }
        }
        print("shim fuzz: 20000 framing inputs, \(frames) decoded as frames")
    }

    static let methods = [
        "State", "Start", "Delete", "Pids", "Pause", "Resume", "Kill", "ResizePty", "CloseIO", "Update", "Wait",
        "Stats", "Connect", "Checkpoint", "Frobnicate", "",
    ]

    @Test func everyRequestIsAnsweredWhateverItsPayload() throws {
        let harness = try ShimServiceTests.Harness()
        var rng = SplitMix64(state: 0x5E4F)
        let seeds: [[UInt8]] = try [
            Containerd_Task_V2_StateRequest.with { $0.id = "c1"; $0.execID = "e1" }.serializedBytes(),
            Containerd_Task_V2_KillRequest.with { $0.id = "c1"; $0.signal = 9; $0.all = true }.serializedBytes(),
            Containerd_Task_V2_UpdateTaskRequest.with {
                $0.id = "c1"
                $0.resources = Google_Protobuf_Any.with { $0.typeURL = "types.containerd.io/x"; $0.value = Data([1, 2, 3]) }
            }.serializedBytes(),
        ]
        let mutation = Mutation(specials: "\u{0}\u{8}\u{10}\u{12}\u{1A}\u{FF}", rounds: 1...5)
        var answered = 0
        let iterations = 3_000
        for i in 0..<iterations {
            let payload = i.isMultiple(of: 3)
                ? (0..<Int.random(in: 0...80, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : mutation.apply(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            let method = Self.methods[Int.random(in: 0..<Self.methods.count, using: &rng)]
            let stream = try harness.sendRaw(method, payload: payload)
            guard let (id, response) = try harness.response() else {
                Issue.record("no answer to \(method) with payload \(payload)")
                break
            }
            #expect(id == stream)
            if response.status.code != 0 { answered += 1 }
        }
        // A request that is not even a ttrpc Request is refused, and the connection goes on serving.
        Sys.writeAll(harness.client, TTRPCFraming.encode(.init(streamID: 9_999, type: 1, payload: [0xFF, 0xFF, 0xFF])))
        #expect(try harness.response()?.1.status.code == 3)
        print("shim fuzz: \(iterations) requests answered, \(answered) with an error status")
    }
}

extension ShimServiceTests.Harness {
    /// Sends a request whose payload is `payload` as it is; returns its stream id.
    func sendRaw(_ method: String, payload: [UInt8]) throws -> UInt32 {
        let stream = nextStream
        nextStream += 2
        let request = Ttrpc_Request.with {
            $0.service = ShimService.service
            $0.method = method
            $0.payload = Data(payload)
        }
        Sys.writeAll(client, TTRPCFraming.encode(.init(streamID: stream, type: 1, payload: try request.serializedBytes())))
        return stream
    }
}
