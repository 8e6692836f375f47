import Synchronization

/// What our stand-in for containerd's events socket received from a shim.
final class ForwardedEvents: Sendable {
    struct Event: Sendable {
        var topic: String
        /// The envelope's namespace field.
        var namespace: String
        /// The namespace sent in ttrpc metadata (containerd-namespace-ttrpc).
        var metadataNamespace: String?
    }

    private let events = Mutex<[Event]>([])

    func append(_ event: Event) { events.withLock { $0.append(event) } }

    var all: [Event] { events.withLock { $0 } }

    var topics: [String] { all.map(\.topic) }
}
