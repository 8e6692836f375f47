import NIOCore
import NIOHTTP2

/// The gRPC side of one HTTP/2 connection, after `NIOHTTP2Handler`: hands each stream's frames to its
/// `GRPCStream` and writes theirs.
///
/// swift-nio-http2's multiplexer gives every stream a child channel with a pipeline of its own, set up and
/// torn down through channel events; for the small RPCs most calls are, that machinery was about a third of
/// berthd's CPU per call. Here a stream is a plain object on the connection's loop, and this handler does
/// what the multiplexer did besides: it gives flow-control credit back (for the connection at once, for a
/// stream while its RPC keeps up) and it coalesces flushes.
final class HTTP2Connection: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    let loop: any EventLoop
    private let maxPayloadSize: Int
    private let streamWindowSize: Int
    private let newStream: (GRPCStream) -> Void
    private var streams = StreamTable()
    /// Client streams open in increasing order: a HEADERS frame at or below this id never opens a new one.
    private var lastStreamID = HTTP2StreamID.rootStream
    private var connectionWindow: InboundWindow
    private var context: ChannelHandlerContext?
    private var flushScheduled = false

    init(
        loop: any EventLoop, maxPayloadSize: Int, connectionWindowSize: Int, streamWindowSize: Int,
        newStream: @escaping (GRPCStream) -> Void
    ) {
        self.loop = loop
        self.maxPayloadSize = maxPayloadSize
        self.streamWindowSize = streamWindowSize
        self.newStream = newStream
        connectionWindow = InboundWindow(target: connectionWindowSize)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = unwrapInboundIn(data)
        if let stream = streams[frame.streamID] {
            stream.receive(frame.payload)
            return
        }
        guard case .headers = frame.payload, frame.streamID > lastStreamID else { return }
        lastStreamID = frame.streamID
        let stream = GRPCStream(
            id: frame.streamID, connection: self, maxPayloadSize: maxPayloadSize, targetWindowSize: streamWindowSize)
        streams.append(stream)
        newStream(stream)
        stream.receive(frame.payload)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Matched by type first: a failed `as?` on `Any` costs more than the rest of the event's handling,
        // and a call brings about six of these events.
        let type = Swift.type(of: event)
        if type == NIOHTTP2WindowUpdatedEvent.self, let window = event as? NIOHTTP2WindowUpdatedEvent {
            windowUpdated(window)
        } else if type == StreamClosedEvent.self, let closed = event as? StreamClosedEvent {
            streams.remove(closed.streamID)?.streamClosed()
        }
        context.fireUserInboundEventTriggered(event)
    }

    private func windowUpdated(_ event: NIOHTTP2WindowUpdatedEvent) {
        guard let size = event.inboundWindowSize else { return }
        if event.streamID == .rootStream {
            connectionWindow.update(size)
            if let increment = connectionWindow.increment() {
                write(.windowUpdate(windowSizeIncrement: increment), on: .rootStream, promise: nil)
                scheduleFlush()
            }
        } else {
            streams[event.streamID]?.inboundWindowChanged(size)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A stream error resets that stream (its close event follows); connection errors close the channel.
        if let error = error as? NIOHTTP2Errors.StreamError { streams[error.streamID]?.failed() }
    }

    func channelInactive(context: ChannelHandlerContext) {
        for stream in streams.removeAll() { stream.streamClosed() }
        self.context = nil
        context.fireChannelInactive()
    }

    // MARK: For the streams (on the loop)

    func write(_ payload: HTTP2Frame.FramePayload, on streamID: HTTP2StreamID, promise: EventLoopPromise<Void>?) {
        guard let context else {
            promise?.fail(ChannelError.ioOnClosedChannel)
            return
        }
        context.write(wrapOutboundOut(HTTP2Frame(streamID: streamID, payload: payload)), promise: promise)
    }

    func flush() {
        context?.flush()
    }

    /// Flushes once the loop has run what is queued, so frames several RPCs write meanwhile go out together.
    func scheduleFlush() {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }
}
