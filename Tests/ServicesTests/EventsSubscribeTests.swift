import BerthAPI
import Events
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing
import UnixGRPCTransport

@testable import Services

/// Events/Subscribe over the real transport: a subscriber whose client goes away is dropped at once, not at
/// the next event (which may never come).
@Suite struct EventsSubscribeTests {
    @Test func aSubscriptionEndsWhenItsClientGoesAwayWithoutWaitingForAnEvent() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-events-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let socket = folder.appendingPathComponent("s.sock").path
        let exchange = EventExchange()
        let transport = UnixServerTransport(path: socket, maxRequestPayloadSize: 1 << 20)
        let server = GRPCServer(transport: transport, services: [EventsService(exchange: exchange)])
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await server.serve() }
            defer { server.beginGracefulShutdown() }
            await transport.waitUntilBound()
            let client = try HTTP2ClientTransport.Posix(target: .unixDomainSocket(path: socket), transportSecurity: .plaintext)
            try await withGRPCClient(transport: client) { grpc in
                let events = Containerd_Services_Events_V1_Events.Client(wrapping: grpc)
                let subscription = Task {
                    try await events.subscribe(.init()) { response in
                        for try await _ in response.messages {}
                    }
                }
                try await Self.waitFor { await exchange.subscriberCount == 1 }
                subscription.cancel()
                _ = await subscription.result
                try await Self.waitFor { await exchange.subscriberCount == 0 }
                let remaining = await exchange.subscriberCount
                #expect(remaining == 0, "the subscription outlived its client")
            }
            server.beginGracefulShutdown()
            try await group.waitForAll()
        }
    }

    /// Polls `condition` for up to five seconds.
    static func waitFor(_ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(5)
        while await !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }
}
