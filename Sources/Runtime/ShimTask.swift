import BerthAPI
import BerthCore
import Foundation
import SwiftProtobuf
import Tracing
import TTRPC

/// One task's shim: the ttrpc connection to its `containerd.task.v2.Task` service, and its bundle.
public final class ShimTask: Sendable {
    static let service = "containerd.task.v2.Task"

    public let id: String
    public let namespace: String
    public let bundle: TaskBundle
    public let runtime: String
    let binary: String
    let client: TTRPCClient

    init(id: String, namespace: String, bundle: TaskBundle, runtime: String, binary: String, client: TTRPCClient) {
        self.id = id
        self.namespace = namespace
        self.bundle = bundle
        self.runtime = runtime
        self.binary = binary
        self.client = client
    }

    /// A call to the shim; its status comes back as a BerthError of the same kind.
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as response: Response.Type = Response.self, timeout: Duration? = nil
    ) async throws -> Response {
        // A client span per shim call (a no-op unless berthd exports traces).
        try await withSpan("\(Self.service)/\(method)", ofKind: .client) { span in
            span.attributes["containerd.task.id"] = id
            span.attributes["containerd.namespace"] = namespace
            do {
                return try await client.call(
                    service: Self.service, method: method, request: request, responseType: response,
                    metadata: [("containerd-namespace-ttrpc", namespace)], timeout: timeout)
            } catch let error as TTRPCError {
                throw BerthError(statusCode: error.code, message: error.message)
            }
        }
    }

    public func state(execID: String = "") async throws -> Containerd_Task_V2_StateResponse {
        try await call("State", Containerd_Task_V2_StateRequest.with { $0.id = id; $0.execID = execID })
    }

    /// Completes when the shim's connection closes (it exited, or was shut down).
    func closed() async {
        await client.closeFuture()
    }
}
