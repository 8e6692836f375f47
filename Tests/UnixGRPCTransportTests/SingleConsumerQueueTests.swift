import Testing

@testable import UnixGRPCTransport

@Suite struct SingleConsumerQueueTests {
    struct Broken: Error, Equatable {}

    @Test func valuesComeInOrderThenNilAndLateValuesAreDropped() async throws {
        let queue = SingleConsumerQueue<Int>()
        queue.yield(1)
        queue.yield(2)
        queue.finish()
        queue.yield(3)
        #expect(try await queue.next() == 1)
        #expect(try await queue.next() == 2)
        #expect(try await queue.next() == nil)
        #expect(try await queue.next() == nil)
    }

    @Test func aWaitingConsumerIsResumedByTheProducer() async throws {
        let queue = SingleConsumerQueue<Int>()
        async let first = queue.next()
        try await Task.sleep(for: .milliseconds(20))
        queue.yield(7)
        queue.finish()
        #expect(try await first == 7)
        #expect(try await queue.next() == nil)
    }

    @Test func aFailureComesAfterTheBufferedValuesAndOnlyOnce() async throws {
        let queue = SingleConsumerQueue<Int>()
        queue.yield(1)
        queue.finish(throwing: Broken())
        queue.finish()
        #expect(try await queue.next() == 1)
        await #expect(throws: Broken.self) { try await queue.next() }
        #expect(try await queue.next() == nil)
    }

    @Test func cancellingAWaitingConsumerThrowsCancellationError() async throws {
        let queue = SingleConsumerQueue<Int>()
        let consumer = Task { try await queue.next() }
        try await Task.sleep(for: .milliseconds(20))
        consumer.cancel()
        await #expect(throws: CancellationError.self) { try await consumer.value }
        queue.yield(1)
        #expect(try await queue.next() == nil)
    }
}
