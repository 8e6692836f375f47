import Logging
import NIOCore
import NIOPosix
import Synchronization

/// A ttrpc server on unix sockets: the events service containerd offers its shims, or a shim's task service.
public final class TTRPCServer: Sendable {
    struct State {
        var listeners: [any Channel] = []
        var connections: [UInt64: any Channel] = [:]
        var nextConnectionID: UInt64 = 0
        var closing = false
    }

    let eventLoopGroup: any EventLoopGroup
    let logger: Logger
    let methods = Mutex<[String: [String: TTRPCMethodHandler]]>([:])
    let state = Mutex(State())
    let inflight = TTRPCInflightHandlers()

    public init(
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "berth.ttrpc")
    ) {
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
    }

    /// Listen on a unix socket path (removing a stale socket file first is the caller's job); returns when listening.
    public func start(unixSocketPath: String) async throws {
        let listener = try await bootstrap().bind(unixDomainSocketPath: unixSocketPath).get()
        try await adopt(listener)
    }

    /// Serve on an already-listening (or bound) socket fd, e.g. one inherited from a parent. The server owns it then.
    public func start(listeningSocketDescriptor: CInt) async throws {
        let listener = try await bootstrap().withBoundSocket(listeningSocketDescriptor).get()
        try await adopt(listener)
    }

    /// Number of requests being handled right now.
    public var inflightRequests: Int { inflight.count }

    private func bootstrap() throws -> ServerBootstrap {
        guard !state.withLock({ $0.closing }) else { throw TTRPCError.closed }
        return ServerBootstrap(group: eventLoopGroup)
            .serverChannelOption(.backlog, value: 128)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = try self.register(channel)
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(TTRPCFrameDecoder()))
                    try sync.addHandler(TTRPCFrameEncoder())
                    try sync.addHandler(TTRPCServerHandler(server: self, connection: connection))
                }
            }
    }

    private func adopt(_ listener: any Channel) async throws {
        let accepted = state.withLock { state in
            guard !state.closing else { return false }
            state.listeners.append(listener)
            return true
        }
        if !accepted {
            try? await listener.close().get()
            throw TTRPCError.closed
        }
    }

    /// Tracks an accepted connection so close() can reach it; refused once closing.
    private func register(_ channel: any Channel) throws -> UInt64 {
        let id = try state.withLock { state throws(TTRPCError) -> UInt64 in
            guard !state.closing else { throw TTRPCError.closed }
            state.nextConnectionID += 1
            state.connections[state.nextConnectionID] = channel
            return state.nextConnectionID
        }
        channel.closeFuture.whenComplete { _ in
            _ = self.state.withLock { $0.connections.removeValue(forKey: id) }
        }
        return id
    }

    /// Stops accepting, closes connections (their clients see "ttrpc: closed"), cancels in-flight handlers
    /// and waits for them to end, at most `gracePeriod`.
    public func close(gracePeriod: Duration = .seconds(5)) async {
        let (listeners, connections) = state.withLock { state in
            state.closing = true
            return (state.listeners, Array(state.connections.values))
        }
        for listener in listeners { try? await listener.close().get() }
        for connection in connections { try? await connection.close().get() }
        inflight.cancelAll()
        if !(await inflight.waitUntilIdle(atMost: gracePeriod)) {
            logger.warning("ttrpc: handlers still running after close", metadata: ["count": "\(inflight.count)"])
        }
    }

    /// Like Go's Server.Shutdown: stops accepting, lets requests already running finish and answer
    /// (at most `gracePeriod`), then closes as close() does.
    public func shutdown(gracePeriod: Duration = .seconds(5)) async {
        let listeners = state.withLock { state in
            state.closing = true
            return state.listeners
        }
        for listener in listeners { try? await listener.close().get() }
        _ = await inflight.waitUntilIdle(atMost: gracePeriod)
        await close(gracePeriod: .seconds(1))
    }
}
