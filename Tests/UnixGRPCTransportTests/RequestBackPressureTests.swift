import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing
import UnixGRPCTransport

/// The server transport stops reading a request that its RPC does not keep up with, and reads on once the RPC
/// catches up, over a real unix socket with grpc-swift's client.
@Suite struct RequestBackPressureTests {
    static let method = MethodDescriptor(fullyQualifiedService: "berth.test.Sink", method: "Collect")
    static let messageSize = 1 << 20

    @Test func aSlowRPCPausesReadingThenReceivesEveryMessage() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-transport-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socket = folder.appendingPathComponent("s.sock").path
        let transport = UnixServerTransport(path: socket, maxRequestPayloadSize: 4 << 20)
        // 24 MiB sent at once: more than the stream's 8 MiB window and far above the 4 MiB pause mark, so the
        // stream pauses while the RPC sleeps and must read on by itself once the RPC consumes.
        let count = 24
        let server = GRPCServer(transport: transport, services: [SlowSink(firstDelay: .milliseconds(300))])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            await transport.waitUntilBound()
            let client = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            let received = try await withGRPCClient(transport: client) { grpc in
                let request = StreamingClientRequest<[UInt8]>(of: [UInt8].self) { writer in
                    for index in 0..<count {
                        try await writer.write([UInt8](repeating: UInt8(index), count: Self.messageSize))
                    }
                }
                var options = CallOptions.defaults
                options.timeout = .seconds(30)
                return try await grpc.clientStreaming(
                    request: request, descriptor: Self.method, serializer: RawBytes(), deserializer: RawBytes(),
                    options: options
                ) { try $0.message }
            }
            // The RPC answers with each message's first byte, in the order received.
            #expect(received == (0..<count).map { UInt8($0) })
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }
}

/// Collects a client stream slowly: it sleeps after the first message, then answers with each message's first byte.
private struct SlowSink: RegistrableRPCService {
    let firstDelay: Duration

    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        let delay = firstDelay
        router.registerHandler(
            forMethod: RequestBackPressureTests.method, deserializer: RawBytes(), serializer: RawBytes()
        ) { request, _ in
            var firstBytes: [UInt8] = []
            for try await message in request.messages {
                if firstBytes.isEmpty { try await Task.sleep(for: delay) }
                guard message.count == RequestBackPressureTests.messageSize else {
                    throw RPCError(code: .invalidArgument, message: "message of \(message.count) bytes")
                }
                firstBytes.append(message.first ?? 0)
            }
            return StreamingServerResponse(single: ServerResponse(message: firstBytes))
        }
    }
}
