import BerthAPI
import BerthCore
import Events
import Foundation
import GRPCCore
import SwiftProtobuf

/// containerd.services.events.v1.Events
public struct EventsService: Containerd_Services_Events_V1_Events.ServiceProtocol {
    public typealias API = Containerd_Services_Events_V1_Events
    let exchange: EventExchange

    public init(exchange: EventExchange) {
        self.exchange = exchange
    }

    public func publish(
        request: ServerRequest<API.Method.Publish.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace: String
        do {
            namespace = try request.metadata.requiredNamespace()
        } catch let error as BerthError {
            throw BerthError(error.kind, "failed publishing event: \(error.message)")
        }
        let event = Event(
            namespace: namespace, topic: request.message.topic, payload: EventPayload(any: request.message.event))
        try await exchange.publish(event)
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func forward(
        request: ServerRequest<API.Method.Forward.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let envelope = request.message.envelope
        let event = Event(
            timestamp: envelope.hasTimestamp ? envelope.timestamp.date : Date(),
            namespace: envelope.namespace, topic: envelope.topic, payload: EventPayload(any: envelope.event))
        try await exchange.publish(event)
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func subscribe(
        request: ServerRequest<API.Method.Subscribe.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.Subscribe.Output> {
        let events = try await exchange.subscribe(filters: request.message.filters)
        return StreamingServerResponse { writer in
            // Ends when the exchange shuts down or the client goes away. gRPC reports the latter through the
            // RPC's cancellation handle, not by cancelling this task: the forwarding task is cancelled then,
            // which ends the subscription at once instead of at the next event's failed write.
            let forwarding = Task {
                for await event in events {
                    try await writer.write(.init(event))
                }
            }
            try await withRPCCancellationHandler {
                try await withTaskCancellationHandler {
                    try await forwarding.value
                } onCancel: {
                    forwarding.cancel()
                }
            } onCancelRPC: {
                forwarding.cancel()
            }
            return [:]
        }
    }
}

extension Containerd_Services_Events_V1_Envelope {
    init(_ event: Event) {
        self.init()
        timestamp = Google_Protobuf_Timestamp(date: event.timestamp)
        namespace = event.namespace
        topic = event.topic
        self.event = event.payload.any
    }
}
