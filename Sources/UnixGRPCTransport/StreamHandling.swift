import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2

/// One HTTP/2 stream carrying one RPC: read the request head, hand the RPC to the server, feed it the
/// request messages as they arrive, and cancel it if the client resets the stream or goes away.
struct StreamHandling: Sendable {
    typealias Handler = @Sendable (RPCStream<ServerTransportInbound, ServerTransportOutbound>, ServerContext) async -> Void
    typealias ServerTransportInbound = RPCAsyncSequence<RPCRequestPart<ByteBufferBytes>, any Error>
    typealias ServerTransportOutbound = RPCWriter<RPCResponsePart<ByteBufferBytes>>.Closable

    let maxPayloadSize: Int
    let peer: String

    struct RequestHead: Sendable {
        var descriptor: MethodDescriptor
        var metadata: Metadata
    }

    func handle(_ stream: NIOAsyncChannel<HTTP2Frame.FramePayload, HTTP2Frame.FramePayload>, with handler: Handler) async {
        try? await stream.executeThenClose { inbound, outbound in
            let (parts, partsContinuation) = AsyncThrowingStream.makeStream(of: RPCRequestPart<ByteBufferBytes>.self)
            let (heads, headContinuation) = AsyncStream.makeStream(of: RequestHead?.self)
            let cancellation = ServerContext.RPCCancellationHandle()
            let writer = ResponseWriter(outbound: outbound)
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    await readRequest(inbound, head: headContinuation, parts: partsContinuation, cancellation: cancellation)
                }
                var iterator = heads.makeAsyncIterator()
                guard let head = await iterator.next() ?? nil else {
                    group.cancelAll()
                    return
                }
                guard head.descriptor.service.fullyQualifiedService.isEmpty == false else {
                    try? await writer.write(.status(Status(code: .unimplemented, message: "malformed path"), [:]))
                    await writer.finish()
                    group.cancelAll()
                    return
                }
                let rpc = RPCStream(
                    descriptor: head.descriptor, inbound: RPCAsyncSequence(wrapping: parts),
                    outbound: RPCWriter.Closable(wrapping: writer))
                let context = ServerContext(
                    descriptor: head.descriptor, remotePeer: peer, localPeer: peer, cancellation: cancellation)
                await handler(rpc, context)
                group.cancelAll()
            }
            // The stream closes by itself once both sides have ended it. Closing it here first would drop
            // response frames still queued and reset the stream (the client sees RST_STREAM CANCEL).
            await Self.waitUntilClosed(stream.channel, atMost: .seconds(10))
        }
    }

    static func waitUntilClosed(_ channel: any Channel, atMost timeout: TimeAmount) async {
        let deadline = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
        try? await channel.closeFuture.get()
        deadline.cancel()
    }

    /// Reads the head, then the body; ends `parts` when the client half-closes, fails it on a reset.
    private func readRequest(
        _ inbound: NIOAsyncChannelInboundStream<HTTP2Frame.FramePayload>,
        head: AsyncStream<RequestHead?>.Continuation,
        parts: AsyncThrowingStream<RPCRequestPart<ByteBufferBytes>, any Error>.Continuation,
        cancellation: ServerContext.RPCCancellationHandle
    ) async {
        var deframer = MessageDeframer(maxPayloadSize: maxPayloadSize)
        var headSent = false
        do {
            for try await frame in inbound {
                switch frame {
                case .headers(let headers) where !headSent:
                    headSent = true
                    let path = headers.headers.first(name: ":path") ?? ""
                    let metadata = HeaderCoding.metadata(from: headers.headers)
                    head.yield(RequestHead(descriptor: Self.descriptor(path), metadata: metadata))
                    head.finish()
                    parts.yield(.metadata(metadata))
                    if headers.endStream {
                        parts.finish()
                        return
                    }
                case .headers(let trailers):
                    if trailers.endStream {
                        try deframer.finish()
                        parts.finish()
                        return
                    }
                case .data(let data):
                    if case .byteBuffer(let bytes) = data.data {
                        deframer.append(bytes)
                        while let message = try deframer.next() { parts.yield(.message(ByteBufferBytes(message))) }
                    }
                    if data.endStream {
                        try deframer.finish()
                        parts.finish()
                        return
                    }
                case .rstStream:
                    throw RPCError(code: .cancelled, message: "the client reset the stream")
                default:
                    continue
                }
            }
            throw RPCError(code: .cancelled, message: "the client closed the stream")
        } catch {
            if !headSent { head.yield(nil) }
            head.finish()
            cancellation.cancel()
            parts.finish(throwing: error)
        }
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
