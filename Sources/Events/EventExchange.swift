import BerthCore
import Foundation

/// Fans events out to subscribers, each with its own filter.
/// Every subscriber has a bounded buffer: a subscriber that stops reading loses its oldest events,
/// and never slows the publishers or grows the daemon without bound.
public actor EventExchange {
    public static let subscriberBufferSize = 4096

    private var subscribers: [UInt64: Subscriber] = [:]
    private var nextSubscriberID: UInt64 = 0

    private struct Subscriber {
        let filter: Filter
        let continuation: AsyncStream<Event>.Continuation
    }

    public init() {}

    /// Validates the event's namespace and topic, then delivers it to every matching subscriber.
    public func publish(_ event: Event) throws {
        do {
            try Identifiers.validate(event.namespace)
        } catch let error as BerthError {
            throw BerthError(error.kind, "event envelope has invalid namespace: \(error.message)")
        }
        try Topic.validate(event.topic)
        for subscriber in subscribers.values where subscriber.filter.matches(event) {
            subscriber.continuation.yield(event)
        }
    }

    /// A stream of the events that match `filters` (containerd's syntax, OR-ed), from now on.
    /// The subscription ends when the stream's consumer goes away.
    public func subscribe(filters: [String]) throws -> AsyncStream<Event> {
        let filter = try Filter.parseAll(filters)
        let id = nextSubscriberID
        nextSubscriberID += 1
        let (stream, continuation) = AsyncStream.makeStream(
            of: Event.self, bufferingPolicy: .bufferingNewest(Self.subscriberBufferSize))
        subscribers[id] = Subscriber(filter: filter, continuation: continuation)
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(id) }
        }
        return stream
    }

    public var subscriberCount: Int { subscribers.count }

    /// Ends every subscription (daemon shutdown).
    public func finishAll() {
        for subscriber in subscribers.values { subscriber.continuation.finish() }
        subscribers.removeAll()
    }

    private func unsubscribe(_ id: UInt64) {
        subscribers.removeValue(forKey: id)
    }
}
