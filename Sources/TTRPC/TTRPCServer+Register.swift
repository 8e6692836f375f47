import Foundation
import SwiftProtobuf

extension TTRPCServer {
    /// Typed registration (before start). `service` is the full protobuf service name, e.g.
    /// `containerd.services.events.ttrpc.v1.Events`; registering a method again replaces it.
    public func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String,
        handler: @escaping @Sendable (Request, TTRPCRequestContext) async throws -> Response
    ) {
        let erased: TTRPCMethodHandler = { payload, context in
            let request: Request
            do {
                request = try Request(serializedBytes: payload)
            } catch {
                // ttrpc-go's wording and code for a payload that does not decode.
                throw TTRPCError(
                    code: TTRPCError.Code.internal, message: "ttrpc: error unmarshalling payload: \(error)")
            }
            let response = try await handler(request, context)
            do {
                return try response.serializedBytes()
            } catch {
                throw TTRPCError(code: TTRPCError.Code.internal, message: "ttrpc: error marshaling payload: \(error)")
            }
        }
        methods.withLock { $0[service, default: [:]][method] = erased }
    }
}
