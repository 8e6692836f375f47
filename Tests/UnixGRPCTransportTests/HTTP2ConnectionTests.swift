import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization
import Testing
import UnixGRPCTransport

/// Streams share one connection handler (`HTTP2Connection`): many RPCs at once on one connection, a response
/// the client reads slowly, and a client that cancels a stream, over a real unix socket with grpc-swift's client.
@Suite struct HTTP2ConnectionTests {
    static let echo = MethodDescriptor(fullyQualifiedService: "berth.test.Conn", method: "Echo")
    static let flood = MethodDescriptor(fullyQualifiedService: "berth.test.Conn", method: "Flood")
    static let hold = MethodDescriptor(fullyQualifiedService: "berth.test.Conn", method: "Hold")
    static let messageSize = 1 << 20
    static let floodCount = 64

    @Test func manyConcurrentCallsOnOneConnectionEachGetTheirOwnAnswer() async throws {
        try await Self.withServer(Probe()) { grpc, _ in
            let answers = try await withThrowingTaskGroup(of: (Int, [UInt8]).self) { group in
                for index in 0..<300 {
                    group.addTask {
                        let request = [UInt8]("call-\(index)".utf8)
                        let answer = try await grpc.unary(
                            request: ClientRequest(message: request), descriptor: Self.echo, serializer: RawBytes(),
                            deserializer: RawBytes(), options: .defaults) { try $0.message }
                        return (index, answer)
                    }
                }
                var answers: [Int: [UInt8]] = [:]
                for try await (index, answer) in group { answers[index] = answer }
                return answers
            }
            #expect(answers.count == 300)
            for (index, answer) in answers { #expect(answer == [UInt8]("call-\(index)".utf8).reversed()) }
        }
    }

    @Test func aResponseTheClientReadsSlowlyWaitsForItAndArrivesWhole() async throws {
        let probe = Probe()
        try await Self.withServer(probe) { grpc, _ in
            let received = try await grpc.serverStreaming(
                request: ClientRequest(message: []), descriptor: Self.flood, serializer: RawBytes(),
                deserializer: RawBytes(), options: .defaults
            ) { response in
                var firstBytes: [UInt8] = []
                for try await message in response.messages {
                    if firstBytes.isEmpty {
                        try await Task.sleep(for: .milliseconds(500))
                        // 64 MiB would be written by now without back pressure; the client's window, the
                        // stream's 4 MiB high-water mark and the socket's buffer hold far less.
                        let written = probe.floodWritten.load(ordering: .relaxed)
                        #expect(written < Self.floodCount / 2)
                    }
                    #expect(message.count == Self.messageSize)
                    firstBytes.append(message.first ?? 0)
                }
                return firstBytes
            }
            #expect(received == (0..<Self.floodCount).map { UInt8($0) })
        }
    }

    @Test func aStreamTheClientResetsHasItsRPCCancelled() async throws {
        let probe = Probe()
        try await Self.withServer(probe) { grpc, _ in
            let call = Task {
                try await grpc.serverStreaming(
                    request: ClientRequest(message: []), descriptor: Self.hold, serializer: RawBytes(),
                    deserializer: RawBytes(), options: .defaults
                ) { response in
                    for try await _ in response.messages {}
                }
            }
            while !probe.holding.load(ordering: .relaxed) { try await Task.sleep(for: .milliseconds(10)) }
            call.cancel()
            _ = await call.result
            let deadline = ContinuousClock.now + .seconds(10)
            while !probe.holdCancelled.load(ordering: .relaxed) && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(10))
            }
            let cancelled = probe.holdCancelled.load(ordering: .relaxed)
            try #require(cancelled, "the RPC was not cancelled (and would keep the server from shutting down)")
            // The connection still serves new streams.
            let answer = try await grpc.unary(
                request: ClientRequest(message: [1, 2]), descriptor: Self.echo, serializer: RawBytes(),
                deserializer: RawBytes(), options: .defaults) { try $0.message }
            #expect(answer == [2, 1])
        }
    }

    static func withServer(
        _ probe: Probe, _ body: (GRPCClient<HTTP2ClientTransport.Posix>, Probe) async throws -> Void
    ) async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-conn-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socket = folder.appendingPathComponent("s.sock").path
        let transport = UnixServerTransport(path: socket, maxRequestPayloadSize: 4 << 20)
        let server = GRPCServer(transport: transport, services: [probe])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            await transport.waitUntilBound()
            let client = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: client) { grpc in try await body(grpc, probe) }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Echo reverses its request; Flood streams 64 messages of 1 MiB, counting what it wrote; Hold streams
    /// nothing until it is cancelled.
    final class Probe: RegistrableRPCService, Sendable {
        let floodWritten = Atomic<Int>(0)
        let holding = Atomic<Bool>(false)
        let holdCancelled = Atomic<Bool>(false)

        func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
            router.registerHandler(forMethod: HTTP2ConnectionTests.echo, deserializer: RawBytes(), serializer: RawBytes()) { request, _ in
                var message: [UInt8] = []
                for try await part in request.messages { message = part }
                return StreamingServerResponse(single: ServerResponse(message: message.reversed()))
            }
            router.registerHandler(forMethod: HTTP2ConnectionTests.flood, deserializer: RawBytes(), serializer: RawBytes()) { _, _ in
                StreamingServerResponse { writer in
                    for index in 0..<HTTP2ConnectionTests.floodCount {
                        try await writer.write([UInt8](repeating: UInt8(index), count: HTTP2ConnectionTests.messageSize))
                        self.floodWritten.add(1, ordering: .relaxed)
                    }
                    return [:]
                }
            }
            router.registerHandler(forMethod: HTTP2ConnectionTests.hold, deserializer: RawBytes(), serializer: RawBytes()) { _, context in
                StreamingServerResponse { _ in
                    self.holding.store(true, ordering: .relaxed)
                    await withTaskCancellationHandler {
                        while !context.cancellation.isCancelled && !Task.isCancelled {
                            try? await Task.sleep(for: .milliseconds(10))
                        }
                    } onCancel: {}
                    self.holdCancelled.store(true, ordering: .relaxed)
                    return [:]
                }
            }
        }
    }
}
