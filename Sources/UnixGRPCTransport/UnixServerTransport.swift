import GRPCCore
import NIOCore
import NIOHTTP2
import NIOPosix
import Synchronization

/// A gRPC server transport on a unix socket, over swift-nio-http2.
///
/// Berth uses its own rather than grpc-swift-nio-transport's because that one fixes swift-nio-http2's DoS
/// limit of 200 control frames per 30 s, and Go clients (ctr) send a flow-control ping for nearly every
/// response of a Write stream: a 200 MiB `ctr content ingest` was cut off with ENHANCE_YOUR_CALM.
/// Here the limit is set for a local, owner-only socket; everything else is plain gRPC over HTTP/2.
public final class UnixServerTransport: ServerTransport, Sendable {
    public typealias Bytes = ByteBufferBytes

    public let path: String
    let maxRequestPayloadSize: Int
    let group: MultiThreadedEventLoopGroup
    let unaryRoutes: [MethodDescriptor: UnaryRoute]
    private let state = Mutex(State())
    private let bound: AsyncStream<Void>
    private let boundContinuation: AsyncStream<Void>.Continuation

    private struct State {
        var listener: (any Channel)?
        var connections: [ObjectIdentifier: Connection] = [:]
        var shuttingDown = false
    }

    /// A connection and its open streams, so that shutdown can close it once it is idle.
    private final class Connection: Sendable {
        let channel: any Channel
        let openStreams = Atomic<Int>(0)
        init(channel: any Channel) { self.channel = channel }
    }

    /// `unaryRoutes`: unary methods served without GRPCCore's executor (`UnaryRoute`). Give none when the
    /// server has interceptors: the routes do not run them.
    public init(
        path: String, maxRequestPayloadSize: Int,
        group: MultiThreadedEventLoopGroup = .singletonMultiThreadedEventLoopGroup, unaryRoutes: [UnaryRoute] = []
    ) {
        self.path = path
        self.maxRequestPayloadSize = maxRequestPayloadSize
        self.group = group
        // Keyed without the RPC type, which a request's path does not carry.
        self.unaryRoutes = Dictionary(
            unaryRoutes.map { (MethodDescriptor(service: $0.descriptor.service, method: $0.descriptor.method), $0) },
            uniquingKeysWith: { _, last in last })
        (bound, boundContinuation) = AsyncStream.makeStream(of: Void.self)
    }

    /// Returns once the socket is bound (or the transport stopped before that).
    public func waitUntilBound() async {
        for await _ in bound { return }
    }

    static var http2Configuration: NIOHTTP2Handler.Configuration {
        var configuration = NIOHTTP2Handler.Configuration()
        // Content streams in 1 MiB messages: large windows keep transfers from stalling on flow control.
        configuration.connection.targetWindowSize = 8 << 20
        configuration.stream.targetWindowSize = 8 << 20
        configuration.connection.initialSettings = [
            HTTP2Setting(parameter: .maxConcurrentStreams, value: 1000),
            HTTP2Setting(parameter: .initialWindowSize, value: 8 << 20),
            HTTP2Setting(parameter: .maxFrameSize, value: 1 << 20),
            HTTP2Setting(parameter: .maxHeaderListSize, value: 16 << 10),
        ]
        // One flow-control ping per response message is normal for Go clients on long streams.
        configuration.connection.controlFrameRateLimit.maximumCount = 100_000
        configuration.connection.controlFrameRateLimit.windowLength = .seconds(1)
        // swift-nio-http2 checks every header name and value character by character (5% of a small call);
        // gRPC does not need it on a local socket: the transport reads only :path, and metadata is opaque.
        configuration.connection.headerBlockValidation = .disabled
        return configuration
    }

    public func listen(
        streamHandler: @escaping @Sendable (RPCStream<Inbound, Outbound>, ServerContext) async -> Void
    ) async throws {
        let maxRequestPayloadSize = self.maxRequestPayloadSize
        let listener = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 256)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: false) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Each stream the client opens is queued for the connection's task, on the loop (see
                    // `HTTP2Connection` for why streams are not child channels, `SingleConsumerQueue` for the queue).
                    let streams = SingleConsumerQueue<GRPCStream>()
                    let configuration = Self.http2Configuration
                    let http2 = NIOHTTP2Handler(
                        mode: .server, connectionConfiguration: configuration.connection,
                        streamConfiguration: configuration.stream)
                    let connection = HTTP2Connection(
                        loop: channel.eventLoop, maxPayloadSize: maxRequestPayloadSize,
                        connectionWindowSize: configuration.connection.targetWindowSize,
                        streamWindowSize: configuration.stream.targetWindowSize,
                        newStream: { streams.yield($0) })
                    try channel.pipeline.syncOperations.addHandlers([http2, connection])
                    channel.closeFuture.whenComplete { _ in streams.finish() }
                    return (channel, streams)
                }
            }
        let shutdownEarly = state.withLock { state in
            state.listener = listener.channel
            return state.shuttingDown
        }
        boundContinuation.yield()
        boundContinuation.finish()
        if shutdownEarly { listener.channel.close(promise: nil) }

        let handling = StreamHandling(peer: "unix:\(path)", unaryRoutes: unaryRoutes)
        try await withThrowingDiscardingTaskGroup { group in
            try await listener.executeThenClose { connections in
                for try await (channel, streams) in connections {
                    let connection = Connection(channel: channel)
                    let accepted = state.withLock { state -> Bool in
                        guard !state.shuttingDown else { return false }
                        state.connections[ObjectIdentifier(connection)] = connection
                        return true
                    }
                    guard accepted else {
                        channel.close(promise: nil)
                        continue
                    }
                    group.addTask(executorPreference: EventLoopTaskExecutor(channel.eventLoop)) {
                        await self.serve(connection, streams, handling: handling, handler: streamHandler)
                    }
                }
            }
        }
    }

    private func serve(
        _ connection: Connection,
        _ streams: SingleConsumerQueue<GRPCStream>,
        handling: StreamHandling,
        handler: @escaping StreamHandling.Handler
    ) async {
        defer { _ = state.withLock { $0.connections.removeValue(forKey: ObjectIdentifier(connection)) } }
        await withDiscardingTaskGroup { group in
            while let stream = try? await streams.next() {
                connection.openStreams.add(1, ordering: .relaxed)
                group.addTask {
                    await handling.handle(stream, with: handler)
                    let remaining = connection.openStreams.subtract(1, ordering: .relaxed).newValue
                    if remaining == 0 && self.state.withLock({ $0.shuttingDown }) {
                        connection.channel.close(promise: nil)
                    }
                }
            }
        }
    }

    /// Stops accepting connections; each connection closes once its RPCs have finished.
    public func beginGracefulShutdown() {
        let (listener, connections) = state.withLock { state in
            state.shuttingDown = true
            return (state.listener, Array(state.connections.values))
        }
        listener?.close(promise: nil)
        for connection in connections where connection.openStreams.load(ordering: .relaxed) == 0 {
            connection.channel.close(promise: nil)
        }
        boundContinuation.finish()
    }
}
