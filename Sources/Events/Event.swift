import BerthCore
import Foundation

/// One event as the exchange carries it: containerd's Envelope without the protobuf types,
/// so that stores and the runtime can publish without depending on the generated API.
public struct Event: Sendable, Equatable {
    public var timestamp: Date
    public var namespace: String
    public var topic: String
    public var payload: EventPayload

    public init(timestamp: Date = Date(), namespace: String, topic: String, payload: EventPayload) {
        self.timestamp = timestamp
        self.namespace = namespace
        self.topic = topic
        self.payload = payload
    }
}

/// The encoded event (a protobuf Any) plus the field values that subscription filters may match on
/// (`event.name`, `event.labels.KEY`, ...), keyed by their dotted field path.
public struct EventPayload: Sendable, Equatable {
    public var typeURL: String
    public var value: [UInt8]
    public var fields: [String: String]

    public init(typeURL: String, value: [UInt8], fields: [String: String] = [:]) {
        self.typeURL = typeURL
        self.value = value
        self.fields = fields
    }
}

extension Event: FilterAdaptor {
    /// Field paths as containerd's envelope adaptor exposes them: topic, namespace, event.*.
    public func field(_ fieldpath: [String]) -> String? {
        guard let first = fieldpath.first else { return nil }
        switch first {
        case "topic": return topic
        case "namespace": return namespace
        case "event":
            let rest = fieldpath.dropFirst()
            guard !rest.isEmpty else { return nil }
            return payload.fields[rest.joined(separator: ".")]
        default: return nil
        }
    }
}
