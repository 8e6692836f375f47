import GRPCCore
import NIOCore
import NIOHTTP2

/// One HTTP/2 stream carrying one RPC, as a plain channel handler on the stream's event loop.
///
/// Berth's RPCs run on that same loop (`EventLoopTaskExecutor`), so the RPC side calls in without a thread
/// hop. Compared with wrapping every stream in an `NIOAsyncChannel` (its async reader and writer, a task
/// group and two async streams per RPC), this spends a fraction of the instructions per call, and the
/// response's headers, message and trailers go out in one flush instead of three.
///
/// All state is touched on the stream's event loop only: the async entry points hop there when called
/// from elsewhere.
final class GRPCStreamHandler: ChannelDuplexHandler, @unchecked Sendable {
    typealias InboundIn = HTTP2Frame.FramePayload
    typealias OutboundIn = Never
    typealias OutboundOut = HTTP2Frame.FramePayload
    typealias Part = RPCRequestPart<ByteBufferBytes>

    struct RequestHead: Sendable {
        var descriptor: MethodDescriptor
        var metadata: Metadata
    }

    /// Buffered request bytes above which the stream stops reading (HTTP/2 flow control then holds the
    /// client back) and below which it reads again.
    static let pauseReadingAbove = 4 << 20
    static let resumeReadingBelow = 1 << 20

    let loop: any EventLoop
    let cancellation = ServerContext.RPCCancellationHandle()
    let parts = SingleConsumerQueue<Part>()
    private var deframer: MessageDeframer
    private var context: ChannelHandlerContext?

    private var head: RequestHead?
    private var headWaiter: CheckedContinuation<RequestHead?, Never>?
    private var requestEnded = false
    private var closed = false
    private var bufferedBytes = 0
    private var readingPaused = false
    private var flushScheduled = false
    private var writabilityWaiters: [CheckedContinuation<Void, any Error>] = []
    private var closeDeadline: Scheduled<Void>?

    init(loop: any EventLoop, maxPayloadSize: Int) {
        self.loop = loop
        deframer = MessageDeframer(maxPayloadSize: maxPayloadSize)
    }

    // MARK: Channel events (on the loop)

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        do {
            switch unwrapInboundIn(data) {
            case .headers(let headers) where head == nil:
                let path = headers.headers.first(name: ":path") ?? ""
                let metadata = HeaderCoding.metadata(from: headers.headers)
                let received = RequestHead(descriptor: Self.descriptor(path), metadata: metadata)
                head = received
                headWaiter?.resume(returning: received)
                headWaiter = nil
                parts.yield(.metadata(metadata))
                if headers.endStream { endRequest() }
            case .headers(let trailers):
                if trailers.endStream {
                    try deframer.finish()
                    endRequest()
                }
            case .data(let data):
                guard !requestEnded else { return }
                if case .byteBuffer(let bytes) = data.data {
                    deframer.append(bytes)
                    while let message = try deframer.next() {
                        bufferedBytes += message.readableBytes
                        parts.yield(.message(ByteBufferBytes(message)))
                    }
                    if bufferedBytes > Self.pauseReadingAbove && !readingPaused {
                        readingPaused = true
                        context.channel.setOption(ChannelOptions.autoRead, value: false).whenFailure { _ in }
                    }
                }
                if data.endStream {
                    try deframer.finish()
                    endRequest()
                }
            case .rstStream:
                fail(RPCError(code: .cancelled, message: "the client reset the stream"))
            default:
                break
            }
        } catch {
            fail(error)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(RPCError(code: .cancelled, message: "the client reset the stream"))
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed = true
        closeDeadline?.cancel()
        fail(RPCError(code: .cancelled, message: "the client closed the stream"))
        resumeWriters(throwing: RPCError(code: .unavailable, message: "the stream is closed"))
        self.context = nil
        context.fireChannelInactive()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if context.channel.isWritable { resumeWriters(throwing: nil) }
        context.fireChannelWritabilityChanged()
    }

    private func endRequest() {
        guard !requestEnded else { return }
        requestEnded = true
        parts.finish()
    }

    /// The client went away or sent something unreadable: the RPC is cancelled and its request fails.
    private func fail(_ error: any Error) {
        if head == nil {
            headWaiter?.resume(returning: nil)
            headWaiter = nil
        }
        guard !requestEnded else { return }
        requestEnded = true
        cancellation.cancel()
        parts.finish(throwing: error)
    }

    private func resumeWriters(throwing error: (any Error)?) {
        let waiting = writabilityWaiters
        writabilityWaiters.removeAll()
        for waiter in waiting {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    // MARK: The RPC's side

    /// The request's head, or nil if the stream ended before one arrived.
    func requestHead() async -> RequestHead? {
        await withCheckedContinuation { continuation in
            onLoop {
                if let head = self.head {
                    continuation.resume(returning: head)
                } else if self.closed || self.requestEnded {
                    continuation.resume(returning: nil)
                } else {
                    self.headWaiter = continuation
                }
            }
        }
    }

    /// The RPC took a message off the request: read on once most of what was buffered is consumed.
    func consumed(_ part: Part) {
        guard case .message(let bytes) = part else { return }
        onLoop {
            self.bufferedBytes -= bytes.count
            if self.readingPaused && self.bufferedBytes < Self.resumeReadingBelow, let context = self.context {
                self.readingPaused = false
                context.channel.setOption(ChannelOptions.autoRead, value: true).whenFailure { _ in }
                // A stream channel only flags autoRead: the frames it holds back wait for a read.
                context.read()
            }
        }
    }

    /// Writes a frame. Frames written while the RPC runs on without waiting go out together: the flush
    /// comes once the loop has run what is queued, or at once for the last frame. A writer that outpaces
    /// the client waits for the channel to become writable again.
    func write(_ frame: HTTP2Frame.FramePayload, last: Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            onLoop {
                guard let context = self.context, !self.closed else {
                    continuation.resume(throwing: RPCError(code: .unavailable, message: "the stream is closed"))
                    return
                }
                context.write(self.wrapOutboundOut(frame), promise: nil)
                if last {
                    context.flush()
                    self.closeIfClientLingers(context)
                } else if !context.channel.isWritable {
                    // Flushing can make the channel writable again at once (the writability event fires
                    // inside the flush), so the waiter goes in first and is checked after.
                    self.writabilityWaiters.append(continuation)
                    context.flush()
                    if context.channel.isWritable { self.resumeWriters(throwing: nil) }
                    return
                } else {
                    self.scheduleFlush(context)
                }
                continuation.resume()
            }
        }
    }

    private func scheduleFlush(_ context: ChannelHandlerContext) {
        guard !flushScheduled else { return }
        flushScheduled = true
        loop.execute {
            self.flushScheduled = false
            self.context?.flush()
        }
    }

    /// The stream closes by itself once both sides have ended it. A client that never ends its side is
    /// cut off after a grace period; closing at once would drop frames still queued (the client would see
    /// RST_STREAM CANCEL instead of the status).
    private func closeIfClientLingers(_ context: ChannelHandlerContext) {
        guard !requestEnded else { return }
        let channel = context.channel
        closeDeadline = loop.scheduleTask(in: .seconds(10)) { channel.close(promise: nil) }
    }

    private func onLoop(_ body: @escaping @Sendable () -> Void) {
        if loop.inEventLoop { body() } else { loop.execute(body) }
    }

    /// "/package.Service/Method"
    static func descriptor(_ path: String) -> MethodDescriptor {
        let trimmed = path.hasPrefix("/") ? path.dropFirst() : Substring(path)
        guard let slash = trimmed.lastIndex(of: "/") else {
            return MethodDescriptor(fullyQualifiedService: "", method: "")
        }
        return MethodDescriptor(
            fullyQualifiedService: String(trimmed[..<slash]), method: String(trimmed[trimmed.index(after: slash)...]))
    }
}
