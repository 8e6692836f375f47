import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization
import Testing
import UnixGRPCTransport

/// Unary calls the transport serves itself (`UnaryRoute`) answer as GRPCCore's executor does: each call is
/// made once through the route and once with a deadline, which sends it through the executor, over a real
/// unix socket with grpc-swift's client, and the two answers must match.
@Suite struct UnaryRouteTests {
    static let method = MethodDescriptor(fullyQualifiedService: "berth.test.Echo", method: "Reverse", type: .unary)

    /// Reverses the request; a few requests fail in the ways a service method can.
    @Sendable static func reverse(_ request: ServerRequest<[UInt8]>, _ context: ServerContext) async throws -> ServerResponse<[UInt8]> {
        switch String(decoding: request.message, as: UTF8.self) {
        case "rpc-error": throw RPCError(code: .notFound, message: "no such thing", metadata: ["x-detail": "7"])
        case "convertible": throw Convertible()
        case "other": throw Other()
        case "rejected": return ServerResponse(error: RPCError(code: .alreadyExists, message: "taken"))
        default:
            let echoed = request.metadata[stringValues: "x-echo"].first(where: { _ in true }) ?? ""
            return ServerResponse(
                message: request.message.reversed(), metadata: ["x-initial": "\(echoed)"], trailingMetadata: ["x-trailing": "2"])
        }
    }

    struct Convertible: Error, RPCErrorConvertible {
        var rpcErrorCode: RPCError.Code { .permissionDenied }
        var rpcErrorMessage: String { "not yours" }
    }

    struct Other: Error {}

    struct Answer: Equatable {
        var message: [UInt8]?
        var initial: [String: String] = [:]
        var trailing: [String: String] = [:]
        var code: RPCError.Code?
        var errorMessage = ""
    }

    static func strings(_ metadata: Metadata, _ keys: [String]) -> [String: String] {
        var found: [String: String] = [:]
        for key in keys { found[key] = metadata[stringValues: key].first(where: { _ in true }) }
        return found
    }

    /// Serves `reverse` both ways and runs `body` with a client; returns how many calls the route served.
    static func withServer(_ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void) async throws -> Int {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-unary-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socket = folder.appendingPathComponent("s.sock").path
        let routed = RouteCount()
        let route = UnaryRoute(method, deserializer: RawBytes(), serializer: RawBytes()) { request, context in
            routed.increment()
            return try await reverse(request, context)
        }
        let transport = UnixServerTransport(path: socket, maxRequestPayloadSize: 1 << 20, unaryRoutes: [route])
        let server = GRPCServer(transport: transport, services: [ReverseService()])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            await transport.waitUntilBound()
            let client = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: client) { grpc in try await body(grpc) }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
        return routed.count
    }

    static func call(_ grpc: GRPCClient<HTTP2ClientTransport.Posix>, _ text: String, deadline: Bool) async throws -> Answer {
        var options = CallOptions.defaults
        if deadline { options.timeout = .seconds(60) }
        let request = ClientRequest(message: Array(text.utf8), metadata: ["x-echo": "hello"])
        return try await grpc.unary(request: request, descriptor: method, serializer: RawBytes(), deserializer: RawBytes(), options: options) {
            response in
            switch response.accepted {
            case .success(let contents):
                return Answer(
                    message: try contents.message.get(), initial: strings(contents.metadata, ["x-initial"]),
                    trailing: strings(contents.trailingMetadata, ["x-trailing"]))
            case .failure(let error):
                return Answer(
                    trailing: strings(error.metadata, ["x-detail"]), code: error.code, errorMessage: error.message)
            }
        }
    }

    /// A request over the transport's size limit fails alike on both paths (ResourceExhausted).
    @Test func anOversizedRequestFailsAsInTheExecutor() async throws {
        var answers: [Answer] = []
        _ = try await Self.withServer { grpc in
            for deadline in [false, true] {
                answers.append(try await Self.call(grpc, String(repeating: "x", count: 2 << 20), deadline: deadline))
            }
        }
        #expect(answers[0].code == .resourceExhausted)
        #expect(answers[0] == answers[1])
    }

    @Test(arguments: ["abc", "", "rpc-error", "convertible", "other", "rejected"])
    func theRouteAnswersAsTheExecutorDoes(_ text: String) async throws {
        var answers: [Answer] = []
        let routed = try await Self.withServer { grpc in
            answers.append(try await Self.call(grpc, text, deadline: false))
            answers.append(try await Self.call(grpc, text, deadline: true))
        }
        #expect(routed == 1, "only the call without a deadline takes the route")
        #expect(answers[0] == answers[1])
        if text == "abc" {
            #expect(answers[0] == Answer(message: Array("cba".utf8), initial: ["x-initial": "hello"], trailing: ["x-trailing": "2"]))
        }
        if text == "rpc-error" { #expect(answers[0].trailing == ["x-detail": "7"]) }
    }

    /// A unary method called as a stream: none or two messages fail as they do in the executor.
    @Test(arguments: [0, 2])
    func aRequestWithoutOneMessageFails(_ count: Int) async throws {
        var outcomes: [(RPCError.Code?, String)] = []
        let routed = try await Self.withServer { grpc in
            for deadline in [false, true] {
                var options = CallOptions.defaults
                if deadline { options.timeout = .seconds(60) }
                let request = StreamingClientRequest<[UInt8]>(of: [UInt8].self) { writer in
                    for _ in 0..<count { try await writer.write([1, 2]) }
                }
                let outcome = try await grpc.clientStreaming(
                    request: request, descriptor: Self.method, serializer: RawBytes(), deserializer: RawBytes(), options: options
                ) { response -> (RPCError.Code?, String) in
                    switch response.accepted {
                    case .success: return (nil, "")
                    case .failure(let error): return (error.code, error.message)
                    }
                }
                outcomes.append(outcome)
            }
        }
        #expect(routed == 0)
        #expect(outcomes[0].0 == .internalError)
        #expect(outcomes[0].1 == (count == 0 ? "Empty stream." : "Too many messages."))
        #expect(outcomes[0].0 == outcomes[1].0 && outcomes[0].1 == outcomes[1].1)
    }
}

/// `reverse` through GRPCCore's router, as a generated service registers a unary method.
private struct ReverseService: RegistrableRPCService {
    func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        router.registerHandler(forMethod: UnaryRouteTests.method, deserializer: RawBytes(), serializer: RawBytes()) { request, context in
            StreamingServerResponse(single: try await UnaryRouteTests.reverse(ServerRequest(stream: request), context))
        }
    }
}

private final class RouteCount: Sendable {
    private let calls = Atomic(0)
    var count: Int { calls.load(ordering: .relaxed) }
    func increment() { calls.add(1, ordering: .relaxed) }
}
