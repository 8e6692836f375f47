import GRPCCore
import Metrics
import Tracing

/// Counts, times and traces every gRPC request, with go-grpc-prometheus's metric names (which containerd
/// exports): grpc_server_started_total, grpc_server_handled_total{grpc_code} and grpc_server_handling_seconds.
/// Streaming responses are measured until their last message, not until the handler returns.
public struct RPCInstrumentation: ServerInterceptor {
    public init() {}

    public func intercept<Input: Sendable, Output: Sendable>(
        request: StreamingServerRequest<Input>,
        context: ServerContext,
        next: @Sendable (StreamingServerRequest<Input>, ServerContext) async throws -> StreamingServerResponse<Output>
    ) async throws -> StreamingServerResponse<Output> {
        let method = context.descriptor
        let labels = [("grpc_service", method.service.fullyQualifiedService), ("grpc_method", method.method)]
        Counter(label: "grpc_server_started_total", dimensions: labels).increment()
        let started = ContinuousClock.now
        let span = startSpan(method.fullyQualifiedMethod, context: Self.traceContext(of: request), ofKind: .server)
        span.attributes["rpc.system"] = "grpc"
        span.attributes["rpc.service"] = method.service.fullyQualifiedService
        span.attributes["rpc.method"] = method.method
        if let namespace = request.metadata[stringValues: "containerd-namespace"].first(where: { _ in true }) {
            span.attributes["containerd.namespace"] = namespace
        }
        @Sendable func finish(_ error: (any Error)?) {
            let code = error.map { Self.code($0).rawValue } ?? 0
            Counter(label: "grpc_server_handled_total", dimensions: labels + [("grpc_code", Self.name(code))]).increment()
            Timer(label: "grpc_server_handling_seconds", dimensions: labels).record(since: started)
            span.attributes["rpc.grpc.status_code"] = code
            if let error {
                span.recordError(error)
                span.setStatus(SpanStatus(code: .error, message: "\(error)"))
            }
            span.end()
        }
        var response: StreamingServerResponse<Output>
        do {
            response = try await ServiceContext.withValue(span.context) { try await next(request, context) }
        } catch {
            finish(error)
            throw error
        }
        switch response.accepted {
        case .success(var contents):
            let producer = contents.producer
            let spanContext = span.context
            contents.producer = { writer in
                do {
                    let trailers = try await ServiceContext.withValue(spanContext) { try await producer(writer) }
                    finish(nil)
                    return trailers
                } catch {
                    finish(error)
                    throw error
                }
            }
            response.accepted = .success(contents)
        case .failure(let error):
            finish(error)
        }
        return response
    }

    /// The caller's trace (W3C traceparent in the gRPC metadata), so a client's span is the parent.
    static func traceContext<Input>(of request: StreamingServerRequest<Input>) -> ServiceContext {
        var context = ServiceContext.topLevel
        InstrumentationSystem.instrument.extract(request.metadata, into: &context, using: MetadataExtractor())
        return context
    }

    static func code(_ error: any Error) -> RPCError.Code {
        if let error = error as? RPCError { return error.code }
        if let error = error as? any RPCErrorConvertible { return error.rpcErrorCode }
        if error is CancellationError { return .cancelled }
        return .unknown
    }

    /// A status code's name as grpc-go writes it (OK, NotFound, ...).
    static func name(_ code: Int) -> String {
        let names = [
            "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
            "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
            "Internal", "Unavailable", "DataLoss", "Unauthenticated",
        ]
        return names.indices.contains(code) ? names[code] : "Code(\(code))"
    }
}

extension Timer {
    func record(since start: ContinuousClock.Instant) {
        let elapsed = (ContinuousClock.now - start).components
        recordNanoseconds(elapsed.seconds * 1_000_000_000 + elapsed.attoseconds / 1_000_000_000)
    }
}

private struct MetadataExtractor: Extractor {
    func extract(key: String, from metadata: Metadata) -> String? {
        metadata[stringValues: key].first(where: { _ in true })
    }
}
