import BerthCore
import Events
import Logging
import SwiftProtobuf

/// What services use to announce a change: encodes the containerd event message and hands it to the exchange.
/// A failed publish is logged, not returned: the change it describes has already been committed.
public struct EventPublisher: Sendable {
    let exchange: EventExchange
    let logger: Logger

    public init(exchange: EventExchange, logger: Logger) {
        self.exchange = exchange
        self.logger = logger
    }

    func publish(namespace: String, topic: String, _ message: some SwiftProtobuf.Message) async {
        do {
            let event = Event(namespace: namespace, topic: topic, payload: try EventPayload(message: message))
            try await exchange.publish(event)
        } catch {
            logger.error("publishing event failed", metadata: ["topic": "\(topic)", "error": "\(error)"])
        }
    }
}
