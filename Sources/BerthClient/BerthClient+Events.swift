import BerthAPI
import GRPCNIOTransportHTTP2
import APISupport
import Foundation
import GRPCCore
import SwiftProtobuf

public typealias EventEnvelope = Containerd_Services_Events_V1_Envelope

extension BerthClient {
    var events: Containerd_Services_Events_V1_Events.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    /// Calls `handle` for every event that matches any of `filters`, until the server ends the stream,
    /// `handle` throws, or the calling task is cancelled. No timeout applies: a subscription is long-lived.
    public func subscribe(
        filters: [String] = [], _ handle: @escaping @Sendable (EventEnvelope) async throws -> Void
    ) async throws {
        let request = ClientRequest(message: Containerd_Services_Events_V1_SubscribeRequest.with {
            $0.filters = filters
        }, metadata: metadata)
        try await events.subscribe(request: request) { response in
            for try await envelope in response.messages {
                try await handle(envelope)
            }
        }
    }

    /// Publishes an event in the client's namespace.
    public func publish(topic: String, event: some SwiftProtobuf.Message) async throws {
        let request = Containerd_Services_Events_V1_PublishRequest.with {
            $0.topic = topic
            $0.event = .with {
                $0.typeURL = type(of: event).protoMessageName
                $0.value = (try? event.serializedData()) ?? Data()
            }
        }
        _ = try await events.publish(request, metadata: metadata, options: options)
    }
}

extension EventEnvelope {
    /// The event's fields as JSON, as `ctr events` prints them; nil for an event type this client does not know.
    public var eventJSON: String? {
        guard let message = EventTypes.decode(event) else { return nil }
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true  // Go's json tags on containerd's types are the proto names
        return try? message.jsonString(options: options)
    }
}
