import GRPCCore

/// A unary method the transport serves itself: the request decoded, the service method called and the
/// response written in the stream's own task, without GRPCCore's server executor.
///
/// Why: per small RPC the executor's async sequences, writers and task-group plumbing, all generic over the
/// transport's bytes and unspecialised across the module boundary, cost a quarter of the call's instructions
/// (Version: 252,000 with them, 188,000 without). A `ctr run --rm` makes some forty unary calls.
/// Outcomes match the executor's: the same status codes and messages for an empty or over-long request
/// stream, errors converted the same way. Streaming methods, requests with a deadline (`grpc-timeout`) and
/// servers with interceptors keep going through GRPCCore.
public struct UnaryRoute: Sendable {
    public let descriptor: MethodDescriptor
    @usableFromInline let serve: @Sendable (ByteBufferBytes, Metadata, ServerContext) async -> Outcome

    /// What the method answered: its response, or the error to send as the status.
    public enum Outcome: Sendable {
        case response(metadata: Metadata, message: ByteBufferBytes, trailingMetadata: Metadata)
        case failure(RPCError)
    }

    /// Inlinable so that the closure is specialised for the method's message types where it is built.
    @inlinable
    public init<Input, Output>(
        _ descriptor: MethodDescriptor,
        deserializer: some MessageDeserializer<Input>,
        serializer: some MessageSerializer<Output>,
        handler: @escaping @Sendable (ServerRequest<Input>, ServerContext) async throws -> ServerResponse<Output>
    ) {
        self.descriptor = descriptor
        serve = { bytes, metadata, context in
            do {
                let request = ServerRequest(metadata: metadata, message: try deserializer.deserialize(bytes))
                let contents = try await handler(request, context).accepted.get()
                let message: ByteBufferBytes = try serializer.serialize(contents.message)
                return .response(metadata: contents.metadata, message: message, trailingMetadata: contents.trailingMetadata)
            } catch {
                return .failure(Self.rpcError(error))
            }
        }
    }

    /// As the executor converts what a service method throws.
    @usableFromInline
    static func rpcError(_ error: any Error) -> RPCError {
        if let error = error as? RPCError { return error }
        if let convertible = error as? any RPCErrorConvertible { return RPCError(convertible) }
        return RPCError(code: .unknown, message: "Service method threw an unknown error.", cause: error)
    }
}
