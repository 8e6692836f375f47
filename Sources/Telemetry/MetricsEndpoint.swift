import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// The Prometheus endpoint: GET /v1/metrics (containerd's path) on `[metrics] address`, in the text format.
public struct MetricsEndpoint: Service {
    let host: String
    let port: Int
    let metrics: DaemonMetrics
    let logger: Logger

    /// `address` is host:port, with IPv6 hosts in brackets ([::1]:1338).
    public init(address: String, metrics: DaemonMetrics, logger: Logger) throws(TelemetryError) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw TelemetryError("metrics address \"\(address)\" is not host:port") }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        self.host = host.isEmpty ? "0.0.0.0" : host
        self.port = port
        self.metrics = metrics
        self.logger = logger
    }

    public func run() async throws {
        let metrics = self.metrics
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(ScrapeHandler(metrics: metrics))
                }
            }
            .bind(host: host, port: port).get()
        logger.info("metrics serving", metadata: ["address": "\(channel.localAddress.map { "\($0)" } ?? "?")"])
        try await withGracefulShutdownHandler {
            try await channel.closeFuture.get()
        } onGracefulShutdown: {
            channel.close(promise: nil)
        }
    }
}

/// One request at a time per connection: GET /v1/metrics renders the registry, anything else is 404.
private final class ScrapeHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let metrics: DaemonMetrics
    private var head: HTTPRequestHead?

    init(metrics: DaemonMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let request): head = request
        case .body: break
        case .end:
            guard let request = head else { return }
            head = nil
            let path = request.uri.split(separator: "?").first.map(String.init) ?? request.uri
            guard request.method == .GET, path == "/v1/metrics" || path == "/metrics" else {
                respond(context: context, request: request, status: .notFound, body: "not found\n")
                return
            }
            let metrics = self.metrics
            let promise = context.eventLoop.makePromise(of: String.self)
            promise.completeWithTask { await metrics.scrape() }
            let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
            promise.futureResult.whenSuccess { text in
                let (handler, context) = bound.value
                handler.respond(context: context, request: request, status: .ok, body: text)
            }
        }
    }

    private func respond(context: ChannelHandlerContext, request: HTTPRequestHead, status: HTTPResponseStatus, body: String) {
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: "text/plain; version=0.0.4; charset=utf-8")
        headers.add(name: "Content-Length", value: "\(body.utf8.count)")
        if !request.isKeepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(string: body)))), promise: nil)
        let keepAlive = request.isKeepAlive
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [channel = context.channel] _ in
            if !keepAlive { channel.close(promise: nil) }
        }
    }
}

public struct TelemetryError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
