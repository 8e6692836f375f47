import BerthAPI
import Foundation
import FuzzSupport
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// Hostile gRPC messages to every method berthd serves, seeded and bounded: random bytes, truncated and
/// bit-flipped protobuf, invalid UTF-8 in string fields, lengths that lie, and a message over the 16 MiB limit.
/// Each call ends with a status; berthd keeps serving. Methods that would mount, run or dial out with what they
/// decode (Diff, Tasks/Create and Exec, Transfer/Pull) are left to the typed tests.
@Suite struct WireFuzzTests {
    static let excluded: Set<String> = [
        "containerd.services.diff.v1.Diff/Apply", "containerd.services.diff.v1.Diff/Diff",
        "containerd.services.tasks.v1.Tasks/Create", "containerd.services.tasks.v1.Tasks/Exec",
        "berth.services.transfer.v1.Transfer/Pull",
    ]

    static var methods: [MethodDescriptor] {
        let all = Containerd_Services_Version_V1_Version.Method.descriptors + Containerd_Services_Namespaces_V1_Namespaces.Method.descriptors
            + Containerd_Services_Introspection_V1_Introspection.Method.descriptors + Containerd_Services_Events_V1_Events.Method.descriptors
            + Containerd_Services_Content_V1_Content.Method.descriptors + Containerd_Services_Images_V1_Images.Method.descriptors
            + Containerd_Services_Containers_V1_Containers.Method.descriptors + Containerd_Services_Leases_V1_Leases.Method.descriptors
            + Containerd_Services_Snapshots_V1_Snapshots.Method.descriptors + Containerd_Services_Diff_V1_Diff.Method.descriptors
            + Containerd_Services_Tasks_V1_Tasks.Method.descriptors + Berth_Services_Transfer_V1_Transfer.Method.descriptors
            + Berth_Services_Admin_V1_Admin.Method.descriptors
        return all.filter { !excluded.contains($0.fullyQualifiedMethod) }
    }

    /// Payloads for one method: random bytes, and hand-made protobuf that lies.
    static func payloads(_ rng: inout SplitMix64, count: Int) -> [[UInt8]] {
        var payloads: [[UInt8]] = [
            [0x0A, 0x02, 0xFF, 0xFE],  // field 1, a string of invalid UTF-8
            [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F, 0x61],  // field 1 claims 4 GiB
            [0x12, 0x05, 0x0A, 0x03, 0xC3, 0x28, 0x41],  // a nested message with invalid UTF-8 inside
            [0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01],  // an 11-byte varint
            Array(repeating: 0x0B, count: 4_000),  // start-group tags, nested 4,000 deep
        ]
        while payloads.count < count {
            payloads.append((0..<Int.random(in: 0...200, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) })
        }
        return payloads
    }

    @Test func hostileMessagesGetAStatusAndBerthdKeepsServing() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        var codes: [String: Int] = [:]
        var calls = 0
        try await withGRPCClient(transport: transport) { grpc in
            var rng = SplitMix64(state: 0x9C9C)
            for method in Self.methods {
                for payload in Self.payloads(&rng, count: 12) {
                    let code = await Self.call(grpc, method, payload)
                    codes[code.map { "\($0)" } ?? "ok", default: 0] += 1
                    calls += 1
                }
            }
            // Over containerd's 16 MiB limit: refused before it is read.
            let oversized = await Self.call(
                grpc, Containerd_Services_Content_V1_Content.Method.Write.descriptor, Array(repeating: 0x41, count: 17 << 20))
            #expect(oversized == .resourceExhausted)
            let version = Containerd_Services_Version_V1_Version.Client(wrapping: grpc)
            let served = try await version.version(.init()).version
            #expect(!served.isEmpty)
        }
        #expect(daemon.isRunning, "\(daemon.log.suffix(3000))")
        #expect(codes["\(RPCError.Code.unknown)"] == nil, "a hostile message made berthd fail without a cause: \(codes)")
        let summary = codes.sorted { $0.value > $1.value }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        print("wire fuzz: \(calls) hostile calls to \(Self.methods.count) methods: \(summary)")
    }

    /// One call with `payload` as the only request message; the status it ends with (ok for a clean end).
    static func call(_ grpc: GRPCClient<HTTP2ClientTransport.Posix>, _ method: MethodDescriptor, _ payload: [UInt8]) async -> RPCError.Code? {
        var metadata = Metadata()
        metadata.addString("fuzz", forKey: "containerd-namespace")
        var options = CallOptions.defaults
        options.timeout = .seconds(3)
        let request = StreamingClientRequest<[UInt8]>(metadata: metadata) { writer in try await writer.write(payload) }
        do {
            try await grpc.bidirectionalStreaming(
                request: request, descriptor: method, serializer: RawSerializer(), deserializer: RawDeserializer(),
                options: options
            ) { response in
                for try await _ in response.messages {}
            }
            return nil
        } catch let error as RPCError {
            return error.code == .deadlineExceeded ? nil : error.code
        } catch {
            return .unknown
        }
    }
}

struct RawSerializer: MessageSerializer {
    func serialize<Bytes: GRPCContiguousBytes>(_ message: [UInt8]) throws -> Bytes { Bytes(message) }
}

struct RawDeserializer: MessageDeserializer {
    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> [UInt8] {
        serializedMessageBytes.withUnsafeBytes { Array($0) }
    }
}
