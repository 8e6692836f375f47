import BerthCore
import Foundation
import Testing

@testable import Events

@Suite struct EventExchangeTests {
    func event(_ namespace: String, _ topic: String, fields: [String: String] = [:]) -> Event {
        Event(namespace: namespace, topic: topic, payload: EventPayload(typeURL: "test.Event", value: [1, 2], fields: fields))
    }

    @Test func subscriberReceivesOnlyMatchingEvents() async throws {
        let exchange = EventExchange()
        let stream = try await exchange.subscribe(filters: ["topic==\"/namespaces/create\""])
        try await exchange.publish(event("default", "/namespaces/update"))
        try await exchange.publish(event("default", "/namespaces/create", fields: ["name": "a"]))
        var iterator = stream.makeAsyncIterator()
        let received = await iterator.next()
        #expect(received?.topic == "/namespaces/create")
        #expect(received?.payload.fields["name"] == "a")
    }

    @Test func filtersAreOredAndSeeEventFields() async throws {
        let exchange = EventExchange()
        let stream = try await exchange.subscribe(filters: ["namespace==other", "event.name==wanted"])
        try await exchange.publish(event("default", "/x", fields: ["name": "unwanted"]))
        try await exchange.publish(event("default", "/y", fields: ["name": "wanted"]))
        try await exchange.publish(event("other", "/z"))
        await exchange.finishAll()
        var topics: [String] = []
        for await event in stream { topics.append(event.topic) }
        #expect(topics == ["/y", "/z"])
    }

    @Test(arguments: ["", "no-slash", "/", "/bad component", "/a//b"])
    func invalidTopicsAreRejected(_ topic: String) async throws {
        let exchange = EventExchange()
        await #expect(throws: BerthError.self) { try await exchange.publish(event("default", topic)) }
    }

    @Test func invalidNamespaceIsRejected() async throws {
        let exchange = EventExchange()
        do {
            try await exchange.publish(event("-bad", "/a"))
            Issue.record("expected an error")
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.hasPrefix("event envelope has invalid namespace"))
        }
    }

    @Test func invalidFilterIsRejected() async throws {
        let exchange = EventExchange()
        await #expect(throws: BerthError.self) { _ = try await exchange.subscribe(filters: ["topic=="]) }
    }

    @Test func droppedSubscriptionIsForgotten() async throws {
        let exchange = EventExchange()
        do {
            let stream = try await exchange.subscribe(filters: [])
            _ = stream
        }
        // onTermination runs asynchronously; give it a moment.
        for _ in 0..<100 where await exchange.subscriberCount > 0 { try await Task.sleep(for: .milliseconds(10)) }
        #expect(await exchange.subscriberCount == 0)
    }
}
