import BerthAPI
import BerthClient
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import GRPCProtobuf
import SwiftProtobuf
import Testing

/// Error codes on the wire, checked with a gRPC client that can send what ctr never would.
@Suite struct WireErrorTests {
    @Test func missingNamespaceHeaderIsFailedPreconditionAsInContainerd() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        try await withClient(daemon) { grpc in
            let events = Containerd_Services_Events_V1_Events.Client(wrapping: grpc)
            do {
                _ = try await events.publish(.with { $0.topic = "/test/topic" })
                Issue.record("expected an error")
            } catch let error as RPCError {
                #expect(error.code == .failedPrecondition)
                #expect(error.message == "failed publishing event: namespace is required: failed precondition")
            }
        }
    }

    @Test func unknownMethodIsUnimplementedAndTheDaemonKeepsServing() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        try await withClient(daemon) { grpc in
            let descriptor = MethodDescriptor(fullyQualifiedService: "containerd.services.nothing.v1.Nothing", method: "Do")
            do {
                _ = try await grpc.unary(
                    request: ClientRequest(message: Google_Protobuf_Empty()), descriptor: descriptor,
                    serializer: ProtobufSerializer<Google_Protobuf_Empty>(),
                    deserializer: ProtobufDeserializer<Google_Protobuf_Empty>(), options: .defaults
                ) { try $0.message }
                Issue.record("expected an error")
            } catch let error as RPCError {
                #expect(error.code == .unimplemented)
            }
        }
        let info = try await BerthClient.withConnection(address: daemon.socket) { try await $0.serverInfo() }
        #expect(info.version == "0.1.0")
    }

    @Test func notFoundAndFailedPreconditionKeepContainerdsMessages() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        try await BerthClient.withConnection(address: daemon.socket) { client in
            do {
                try await client.deleteNamespace("missing")
                Issue.record("expected an error")
            } catch let error as RPCError {
                #expect(error.code == .notFound)
                #expect(error.message == "namespace \"missing\": not found")
            }
        }
    }

    @Test func publishedEventsReachSubscribersWithTheirFields() async throws {
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        try await BerthClient.withConnection(address: daemon.socket, namespace: "ns1") { client in
            let received = try await withThrowingTaskGroup(of: EventEnvelope?.self) { group in
                group.addTask {
                    let box = EnvelopeBox()
                    do {
                        try await client.subscribe(filters: ["event.name==wanted"]) { envelope in
                            await box.set(envelope)
                            throw StopSubscription()
                        }
                    } catch is StopSubscription {}
                    return await box.value
                }
                group.addTask {
                    for attempt in 0..<100 {
                        try await client.publish(
                            topic: "/namespaces/create", event: Containerd_Events_NamespaceCreate.with { $0.name = "other\(attempt)" })
                        try await client.publish(
                            topic: "/namespaces/create", event: Containerd_Events_NamespaceCreate.with { $0.name = "wanted" })
                        try await Task.sleep(for: .milliseconds(100))
                    }
                    return nil
                }
                var result: EventEnvelope?
                for try await case let envelope? in group {
                    result = envelope
                    group.cancelAll()
                    break
                }
                return result
            }
            #expect(received?.namespace == "ns1")
            #expect(received?.topic == "/namespaces/create")
            #expect(received?.eventJSON == "{\"name\":\"wanted\"}")
        }
    }

    private func withClient(
        _ daemon: DaemonProcess, _ body: (GRPCClient<HTTP2ClientTransport.Posix>) async throws -> Void
    ) async throws {
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        try await withGRPCClient(transport: transport) { try await body($0) }
    }
}

struct StopSubscription: Error {}

actor EnvelopeBox {
    var value: EventEnvelope?
    func set(_ envelope: EventEnvelope) { value = envelope }
}
