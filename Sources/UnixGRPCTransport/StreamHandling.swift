import GRPCCore
import NIOCore

/// Runs the RPC of one HTTP/2 stream: waits for the request head, hands the server the request parts and a
/// writer for the response.
struct StreamHandling: Sendable {
    typealias Handler = @Sendable (RPCStream<ServerTransportInbound, ServerTransportOutbound>, ServerContext) async -> Void
    typealias ServerTransportInbound = RPCAsyncSequence<RPCRequestPart<ByteBufferBytes>, any Error>
    typealias ServerTransportOutbound = RPCWriter<RPCResponsePart<ByteBufferBytes>>.Closable

    let peer: String
    let unaryRoutes: [MethodDescriptor: UnaryRoute]

    func handle(_ stream: GRPCStream, with handler: Handler) async {
        guard let head = await stream.requestHead() else { return }
        let writer = ResponseWriter(stream: stream)
        guard !head.descriptor.service.fullyQualifiedService.isEmpty else {
            try? await writer.write(.status(Status(code: .unimplemented, message: "malformed path"), [:]))
            return
        }
        if let route = unaryRoutes[head.descriptor], !head.metadata.hasDeadline {
            // Berth's unary methods finish on their own, so the handle is in the context only: the task-local
            // that `withRPCCancellationHandler` reads costs 7,000 instructions a call (GRPCCore's generic
            // `withServerContextRPCCancellationHandle`).
            let cancellation = ServerContext.RPCCancellationHandle()
            stream.attach(cancellation)
            let context = ServerContext(
                descriptor: head.descriptor, remotePeer: peer, localPeer: peer, cancellation: cancellation)
            await serve(route, stream, head.metadata, context, writer)
            return
        }
        // Streaming calls may run until the client goes away: their handle goes in the task-local too, where
        // `withRPCCancellationHandler` looks for it.
        await withServerContextRPCCancellationHandle { cancellation in
            stream.attach(cancellation)
            let context = ServerContext(
                descriptor: head.descriptor, remotePeer: peer, localPeer: peer, cancellation: cancellation)
            let rpc = RPCStream(
                descriptor: head.descriptor, inbound: RPCAsyncSequence(wrapping: RequestParts(stream: stream)),
                outbound: RPCWriter.Closable(wrapping: writer))
            await handler(rpc, context)
        }
    }

    /// A unary call without GRPCCore's executor (`UnaryRoute`): one request message, then the response.
    private func serve(
        _ route: UnaryRoute, _ stream: GRPCStream, _ metadata: Metadata, _ context: ServerContext,
        _ writer: ResponseWriter
    ) async {
        let outcome: UnaryRoute.Outcome
        switch await Self.requestMessage(stream) {
        case .success(let message): outcome = await route.serve(message, metadata, context)
        case .failure(let error): outcome = .failure(error)
        }
        switch outcome {
        case .response(let initial, let message, let trailing):
            do {
                try await writer.write(.metadata(initial))
                try await writer.write(.message(message))
                try await writer.write(.status(Status(code: .ok, message: ""), trailing))
            } catch {
                await writer.finish(throwing: error)
            }
        case .failure(let error):
            try? await writer.write(.status(Status(code: Status.Code(error.code), message: error.message), error.metadata))
        }
        await writer.finish()
    }

    /// The single message of a unary request, once the request has ended; the errors are the executor's.
    private static func requestMessage(_ stream: GRPCStream) async -> Result<ByteBufferBytes, RPCError> {
        var message: ByteBufferBytes?
        var metadataSeen = false
        do {
            while let part = try await stream.parts.next() {
                stream.consumed(part)
                switch part {
                case .metadata where !metadataSeen:
                    metadataSeen = true
                case .metadata:
                    return .failure(RPCError(
                        code: .internalError,
                        message: "Server received an extra set of metadata. Only one set of metadata may be received at the start of the RPC. This is likely to be caused by a misbehaving client."))
                case .message where message != nil:
                    return .failure(RPCError(code: .internalError, message: "Too many messages."))
                case .message(let bytes):
                    message = bytes
                }
            }
        } catch {
            // As a request stream's error reaches the executor through the handler: an RPCError as it is
            // (an oversized message is ResourceExhausted, a reset stream Cancelled).
            return .failure(UnaryRoute.rpcError(error))
        }
        guard let message else { return .failure(RPCError(code: .internalError, message: "Empty stream.")) }
        return .success(message)
    }
}

extension Metadata {
    /// Whether the client set a deadline: the executor enforces those, so such calls go through it.
    var hasDeadline: Bool {
        var values = self[stringValues: "grpc-timeout"].makeIterator()
        return values.next() != nil
    }
}

/// The request parts of one stream; taking each one off lets the stream give the client credit again
/// (back pressure).
struct RequestParts: AsyncSequence, Sendable {
    typealias Element = RPCRequestPart<ByteBufferBytes>
    let stream: GRPCStream

    struct AsyncIterator: AsyncIteratorProtocol {
        let stream: GRPCStream

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
