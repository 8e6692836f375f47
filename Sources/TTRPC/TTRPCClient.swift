import NIOCore
import NIOPosix

/// A ttrpc client on one unix-socket connection (containerd's side of a shim, or a shim's side of
/// containerd's events socket). Calls are multiplexed by stream id and may be made concurrently.
public final class TTRPCClient: Sendable {
    let channel: any Channel
    let calls: TTRPCClientCalls

    init(channel: any Channel, calls: TTRPCClientCalls) {
        self.channel = channel
        self.calls = calls
    }

    /// Connects to a ttrpc server. `unixSocketPath` may carry the `unix://` prefix that shims print.
    /// Called from one of the group's loops, the connection stays on that loop (`any()`): the request that starts
    /// a shim, and the ones on the same client connection after it, then reach the shim without a thread hop.
    public static func connect(
        unixSocketPath: String, eventLoopGroup: (any EventLoopGroup)? = nil
    ) async throws -> TTRPCClient {
        let path = unixSocketPath.hasPrefix("unix://") ? String(unixSocketPath.dropFirst(7)) : unixSocketPath
        let calls = TTRPCClientCalls()
        let group = eventLoopGroup ?? MultiThreadedEventLoopGroup.singleton
        let channel = try await ClientBootstrap(group: group.any())
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let sync = channel.pipeline.syncOperations
                    try sync.addHandler(ByteToMessageHandler(TTRPCFrameDecoder()))
                    try sync.addHandler(TTRPCFrameEncoder())
                    try sync.addHandler(TTRPCClientHandler(calls: calls))
                }
            }
            .connect(unixDomainSocketPath: path)
            .get()
        // Also covers a channel that closes without ever reaching the handler's channelInactive.
        channel.closeFuture.whenComplete { _ in calls.close() }
        return TTRPCClient(channel: channel, calls: calls)
    }

    /// Completes when the connection closes (peer went away or close() called). Used to notice a dead shim.
    /// Returns early if the waiting task is cancelled.
    public func closeFuture() async {
        await calls.waitForClose()
    }

    /// Runs `body` once the connection has closed, on the connection's event loop: keep it short.
    public func whenClosed(_ body: @escaping @Sendable () -> Void) {
        channel.closeFuture.whenComplete { _ in body() }
    }

    /// Closes the connection; outstanding calls fail with Unavailable ("ttrpc: closed").
    public func close() async {
        try? await channel.close()
        calls.close()
    }

    /// Whether the connection is closed already.
    public var isClosed: Bool { calls.isClosed }
}
