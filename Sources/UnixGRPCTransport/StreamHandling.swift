import GRPCCore
import NIOCore

/// Runs the RPC of one HTTP/2 stream: waits for the request head, hands the server the request parts and a
/// writer for the response.
struct StreamHandling: Sendable {
    typealias Handler = @Sendable (RPCStream<ServerTransportInbound, ServerTransportOutbound>, ServerContext) async -> Void
    typealias ServerTransportInbound = RPCAsyncSequence<RPCRequestPart<ByteBufferBytes>, any Error>
    typealias ServerTransportOutbound = RPCWriter<RPCResponsePart<ByteBufferBytes>>.Closable

    let peer: String

    func handle(_ stream: GRPCStreamHandler, with handler: Handler) async {
        guard let head = await stream.requestHead() else { return }
        let writer = ResponseWriter(stream: stream)
        guard !head.descriptor.service.fullyQualifiedService.isEmpty else {
            try? await writer.write(.status(Status(code: .unimplemented, message: "malformed path"), [:]))
            return
        }
        let rpc = RPCStream(
            descriptor: head.descriptor, inbound: RPCAsyncSequence(wrapping: RequestParts(stream: stream)),
            outbound: RPCWriter.Closable(wrapping: writer))
        let context = ServerContext(
            descriptor: head.descriptor, remotePeer: peer, localPeer: peer, cancellation: stream.cancellation)
        await handler(rpc, context)
    }
}

/// The request parts of one stream; taking each one off lets the stream read on (back pressure).
struct RequestParts: AsyncSequence, Sendable {
    typealias Element = RPCRequestPart<ByteBufferBytes>
    let stream: GRPCStreamHandler

    struct AsyncIterator: AsyncIteratorProtocol {
        let stream: GRPCStreamHandler

        mutating func next() async throws -> Element? {
            guard let part = try await stream.parts.next() else { return nil }
            stream.consumed(part)
            return part
        }
    }

    func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(stream: stream)
    }
}
