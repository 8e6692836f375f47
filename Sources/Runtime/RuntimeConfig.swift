import NIOCore

/// Where tasks live and how shims reach the daemon.
public struct RuntimeConfig: Sendable {
    /// The daemon's root (task work directories go under it) and state directory (bundles, shim sockets).
    public var root: String
    public var state: String
    /// The daemon's gRPC socket, passed to shims as `-address`.
    public var daemonAddress: String
    /// The ttrpc socket where shims forward their events (`TTRPC_ADDRESS`).
    public var ttrpcAddress: String
    /// The binary shims run to publish events when ttrpc is not available (`-publish-binary`).
    public var publishBinary: String
    /// Where connections to shims live: the API's own loops, so that a request and its shim calls share a thread.
    public var eventLoopGroup: (any EventLoopGroup)?

    public init(
        root: String, state: String, daemonAddress: String, ttrpcAddress: String, publishBinary: String,
        eventLoopGroup: (any EventLoopGroup)? = nil
    ) {
        self.root = root
        self.state = state
        self.daemonAddress = daemonAddress
        self.ttrpcAddress = ttrpcAddress
        self.publishBinary = publishBinary
        self.eventLoopGroup = eventLoopGroup
    }
}
