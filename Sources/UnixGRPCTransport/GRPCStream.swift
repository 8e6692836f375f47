import GRPCCore
import NIOCore
import NIOHTTP2

/// One HTTP/2 stream carrying one RPC: a plain object on its connection's event loop, fed frames by
/// `HTTP2Connection` (no child channel of its own).
///
/// Berth's RPCs run on that same loop (`EventLoopTaskExecutor`), so the RPC side calls in without a thread
/// hop; the response's headers, message and trailers go out in one flush.
///
/// All state is touched on the loop only: the async entry points hop there when called from elsewhere.
final class GRPCStream: @unchecked Sendable {
    typealias Part = RPCRequestPart<ByteBufferBytes>

    struct RequestHead: Sendable {
        var descriptor: MethodDescriptor
        var metadata: Metadata
    }

    /// Buffered request bytes above which the stream gives the client no more flow-control credit (HTTP/2
    /// then holds it back once its window is spent) and below which it gives credit again.
    static let pauseCreditAbove = 4 << 20
    static let resumeCreditBelow = 1 << 20
    /// Response bytes handed to the connection but not yet on the socket (held back by the client's window or
    /// a full socket) above which a writer waits, until they drop below the low mark.
    static let outboundHighWater = 4 << 20
    static let outboundLowWater = 1 << 20

    let id: HTTP2StreamID
    let loop: any EventLoop
    let parts = SingleConsumerQueue<Part>()
    /// Nil once the stream is closed, which also ends the reference cycle with the connection.
    private var connection: HTTP2Connection?
    private var deframer: MessageDeframer
    private var window: InboundWindow

    private var head: RequestHead?
    private var headWaiter: CheckedContinuation<RequestHead?, Never>?
    private var requestEnded = false
    private var responseEnded = false
    /// The RPC's cancellation handle, once its task has attached one (`attach`); `cancelled` remembers a
    /// cancellation that came before.
    private var cancellation: ServerContext.RPCCancellationHandle?
    private var cancelled = false
    private var closed = false
    private var bufferedBytes = 0
    private var creditPaused = false
    private var outstandingBytes = 0
    private var writabilityWaiters: [CheckedContinuation<Void, any Error>] = []
    private var closeDeadline: Scheduled<Void>?

    init(id: HTTP2StreamID, connection: HTTP2Connection, maxPayloadSize: Int, targetWindowSize: Int) {
        self.id = id
        self.connection = connection
        loop = connection.loop
        deframer = MessageDeframer(maxPayloadSize: maxPayloadSize)
        window = InboundWindow(target: targetWindowSize)
    }

    // MARK: From the connection (on the loop)

    func receive(_ payload: HTTP2Frame.FramePayload) {
        do {
            switch payload {
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
                    if bufferedBytes > Self.pauseCreditAbove { creditPaused = true }
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

    /// The client's window for this stream is now `size`: top it up unless the RPC lags behind.
    func inboundWindowChanged(_ size: Int) {
        window.update(size)
        if !creditPaused { grantCredit() }
    }

    /// The stream is gone (both sides ended it, either side reset it, or the connection closed).
    func streamClosed() {
        closed = true
        closeDeadline?.cancel()
        fail(RPCError(code: .cancelled, message: "the client closed the stream"))
        resumeWriters(throwing: RPCError(code: .unavailable, message: "the stream is closed"))
        connection = nil
    }

    /// The client sent something this stream cannot take: the RPC is cancelled.
    func failed() {
        fail(RPCError(code: .cancelled, message: "the client reset the stream"))
    }

    private func endRequest() {
        guard !requestEnded else { return }
        requestEnded = true
        parts.finish()
    }

    /// The client went away or sent something unreadable: the request fails (if still open) and the RPC is
    /// cancelled (unless its response is complete), also when the client had already sent its whole request.
    private func fail(_ error: any Error) {
        if head == nil {
            headWaiter?.resume(returning: nil)
            headWaiter = nil
        }
        if !requestEnded {
            requestEnded = true
            parts.finish(throwing: error)
        }
        if !responseEnded {
            cancelled = true
            cancellation?.cancel()
        }
    }

    private func grantCredit() {
        guard !requestEnded, !closed, let connection, let increment = window.increment() else { return }
        connection.write(.windowUpdate(windowSizeIncrement: increment), on: id, promise: nil)
        connection.scheduleFlush()
    }

    private func reset(_ code: HTTP2ErrorCode) {
        guard !closed, let connection else { return }
        connection.write(.rstStream(code), on: id, promise: nil)
        connection.flush()
    }

    private func resumeWriters(throwing error: (any Error)?) {
        let waiting = writabilityWaiters
        writabilityWaiters.removeAll()
        for waiter in waiting {
            if let error { waiter.resume(throwing: error) } else { waiter.resume() }
        }
    }

    private func written(_ count: Int) {
        outstandingBytes -= count
        if outstandingBytes <= Self.outboundLowWater { resumeWriters(throwing: nil) }
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

    /// The RPC's cancellation handle: cancelled when the client goes away before the response is complete
    /// (at once if it already has).
    func attach(_ cancellation: ServerContext.RPCCancellationHandle) {
        onLoop {
            self.cancellation = cancellation
            if self.cancelled { cancellation.cancel() }
        }
    }

    /// The RPC took a message off the request: credit resumes once most of what was buffered is consumed.
    func consumed(_ part: Part) {
        guard case .message(let bytes) = part else { return }
        onLoop {
            self.bufferedBytes -= bytes.count
            if self.creditPaused && self.bufferedBytes < Self.resumeCreditBelow {
                self.creditPaused = false
                self.grantCredit()
            }
        }
    }

    /// Writes a frame. Frames written while the RPC runs on without waiting go out together: the flush
    /// comes once the loop has run what is queued, or at once for the last frame. A writer that outpaces
    /// the client waits until most of what it wrote has reached the socket.
    func write(_ frame: HTTP2Frame.FramePayload, last: Bool) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            onLoop {
                guard let connection = self.connection, !self.closed else {
                    continuation.resume(throwing: RPCError(code: .unavailable, message: "the stream is closed"))
                    return
                }
                var promise: EventLoopPromise<Void>?
                if case .data(let data) = frame {
                    let count = data.data.readableBytes
                    self.outstandingBytes += count
                    let written = self.loop.makePromise(of: Void.self)
                    written.futureResult.whenComplete { _ in self.written(count) }
                    promise = written
                }
                connection.write(frame, on: self.id, promise: promise)
                if last {
                    self.responseEnded = true
                    connection.flush()
                    self.closeIfClientLingers()
                } else if self.outstandingBytes > Self.outboundHighWater {
                    // Flushing can complete the writes at once, so the waiter goes in first and is checked after.
                    self.writabilityWaiters.append(continuation)
                    connection.flush()
                    if self.outstandingBytes <= Self.outboundLowWater { self.resumeWriters(throwing: nil) }
                    return
                } else {
                    connection.scheduleFlush()
                }
                continuation.resume()
            }
        }
    }

    /// The stream closes by itself once both sides have ended it. A client that never ends its side is
    /// reset after a grace period; resetting at once would drop frames still queued (the client would see
    /// RST_STREAM CANCEL instead of the status).
    private func closeIfClientLingers() {
        guard !requestEnded else { return }
        closeDeadline = loop.scheduleTask(in: .seconds(10)) { self.reset(.cancel) }
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
