import BerthCore
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
/// An HTTP/1.1 server on 127.0.0.1 owned by a test, for registries that misbehave on purpose.
final class TestHTTPServer: Sendable {
    typealias Handler = @Sendable (TestRequest, TestResponder) async throws -> AfterResponse

    let port: Int
    private let channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    private init(port: Int, channel: NIOAsyncChannel<NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, Never>) {
        self.port = port
        self.channel = channel
    }

    var address: String { "127.0.0.1:\(port)" }

    /// Runs `body` with a server answering through `handler`; stops the server afterwards, also on failure.
    static func with<T>(_ handler: @escaping Handler, _ body: (TestHTTPServer) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: "127.0.0.1", port: 0) { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: child)
                }
            }
        guard let port = channel.channel.localAddress?.port else { throw BerthError(.unknown, "no port") }
        let server = TestHTTPServer(port: port, channel: channel)
        server.task.withLock { slot in
            slot = Task {
                await withDiscardingTaskGroup { group in
                    try? await channel.executeThenClose { inbound in
                        for try await connection in inbound {
                            group.addTask { await Self.serve(connection, handler) }
                        }
                    }
                    group.cancelAll()
                }
            }
        }
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private func stop() async {
        let running = task.withLock { $0 }
        running?.cancel()
        try? await channel.channel.close()
        await running?.value
    }

    private static func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>, _ handler: Handler) async {
        try? await connection.executeThenClose { inbound, outbound in
            var head: HTTPRequestHead?
            var body: [UInt8] = []
            for try await part in inbound {
                switch part {
                case .head(let received):
                    head = received
                    body = []
                case .body(let chunk):
                    body += chunk.readableBytesView
                case .end:
                    guard let request = head else { continue }
                    let after = try await handler(
                        TestRequest(method: request.method, uri: request.uri, headers: request.headers, body: body),
                        TestResponder(outbound: outbound))
                    if case .close = after { return }
                }
            }
        }
    }
}
