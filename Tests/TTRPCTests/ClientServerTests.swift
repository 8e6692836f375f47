import BerthAPI
import Foundation
import SwiftProtobuf
import Synchronization
import TTRPC
import Testing

/// TTRPCClient against TTRPCServer over a temporary unix socket.
@Suite(.timeLimit(.minutes(1)))
struct ClientServerTests {
    static let taskService = "containerd.task.v2.Task"
    static let eventsService = "containerd.services.events.ttrpc.v1.Events"

    typealias ConnectRequest = Containerd_Task_V2_ConnectRequest
    typealias ConnectResponse = Containerd_Task_V2_ConnectResponse

    static func connectRequest(_ id: String) -> ConnectRequest {
        var request = ConnectRequest()
        request.id = id
        return request
    }

    @Test func typedEcho() async throws {
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (request: ConnectRequest, _) in
                var response = ConnectResponse()
                response.shimPid = 4242
                response.taskPid = UInt32(request.id.count)
                response.version = "echo:" + request.id
                return response
            }
        }) { fixture in
            let response = try await fixture.client.call(
                service: Self.taskService, method: "Connect", request: Self.connectRequest("abc"),
                responseType: ConnectResponse.self)
            #expect(response.shimPid == 4242)
            #expect(response.taskPid == 3)
            #expect(response.version == "echo:abc")
        }
    }

    @Test func eventsForwardWithEmptyAndMetadata() async throws {
        let received = Mutex<[(Containerd_Services_Events_Ttrpc_V1_ForwardRequest, TTRPCRequestContext)]>([])
        try await TestServer.with(register: { server in
            server.register(service: Self.eventsService, method: "Forward") {
                (request: Containerd_Services_Events_Ttrpc_V1_ForwardRequest, context) in
                received.withLock { $0.append((request, context)) }
                return Google_Protobuf_Empty()
            }
        }) { fixture in
            var request = Containerd_Services_Events_Ttrpc_V1_ForwardRequest()
            request.envelope.topic = "/tasks/exit"
            request.envelope.namespace = "berth-test"
            let metadata = [("containerd-namespace-ttrpc", "berth-test"), ("x-repeat", "1"), ("x-repeat", "2")]
            let _: Google_Protobuf_Empty = try await fixture.client.call(
                service: Self.eventsService, method: "Forward", request: request, metadata: metadata)

            let calls = received.withLock { $0 }
            try #require(calls.count == 1)
            let (forwarded, context) = calls[0]
            #expect(forwarded.envelope.topic == "/tasks/exit")
            #expect(context.service == Self.eventsService)
            #expect(context.method == "Forward")
            #expect(context.metadata.map(\.0) == ["containerd-namespace-ttrpc", "x-repeat", "x-repeat"])
            #expect(context.namespace == "berth-test")
            #expect(context.metadataValue("Containerd-Namespace-TTRPC") == "berth-test")
            #expect(context.metadataValues("x-repeat") == ["1", "2"])
            #expect(context.metadataValue("absent") == nil)
            #expect(context.deadline == nil)
        }
    }

    @Test func concurrentCallsAreAnsweredOutOfOrder() async throws {
        let slowStarted = Gate()
        let releaseSlow = Gate()
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (request: ConnectRequest, _) in
                if request.id == "slow" {
                    slowStarted.open()
                    await releaseSlow.wait()
                } else if request.id.hasPrefix("n") {
                    // Many calls in flight at once, finishing in a scrambled order.
                    try await Task.sleep(for: .milliseconds(Int.random(in: 0...50)))
                }
                var response = ConnectResponse()
                response.version = request.id
                return response
            }
        }) { fixture in
            let client = fixture.client
            let slowDone = Gate()
            let slow = Task {
                defer { slowDone.open() }
                return try await client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("slow"),
                    responseType: ConnectResponse.self)
            }
            #expect(await slowStarted.wait(atMost: .seconds(10)))
            let fast = try await client.call(
                service: Self.taskService, method: "Connect", request: Self.connectRequest("fast"),
                responseType: ConnectResponse.self)
            #expect(fast.version == "fast")
            #expect(!slowDone.isOpen, "the slow call must still be outstanding while the fast one was answered")

            try await withThrowingTaskGroup(of: (String, String).self) { group in
                for index in 0..<40 {
                    group.addTask {
                        let id = "n\(index)"
                        let response = try await client.call(
                            service: Self.taskService, method: "Connect", request: Self.connectRequest(id),
                            responseType: ConnectResponse.self)
                        return (id, response.version)
                    }
                }
                for try await (sent, answered) in group { #expect(sent == answered) }
            }

            releaseSlow.open()
            #expect(try await slow.value.version == "slow")
        }
    }

    @Test func unknownServiceAndMethodAreUnimplemented() async throws {
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (_: ConnectRequest, _) in
                ConnectResponse()
            }
        }) { fixture in
            let noService = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: "nope.Service", method: "Connect", request: Self.connectRequest("x"))
            }
            #expect(noService == TTRPCError(code: TTRPCError.Code.unimplemented, message: "service nope.Service"))
            let noMethod = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: Self.taskService, method: "Nope", request: Self.connectRequest("x"))
            }
            #expect(noMethod == TTRPCError(code: TTRPCError.Code.unimplemented, message: "method Nope"))
        }
    }

    @Test func handlerErrorsKeepTheirStatus() async throws {
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") {
                (request: ConnectRequest, _) -> ConnectResponse in
                switch request.id {
                case "missing":
                    throw TTRPCError(code: TTRPCError.Code.notFound, message: "container missing: not found")
                case "exists": throw ExistsError(name: "c1")
                default: throw PlainError()
                }
            }
        }) { fixture in
            func failure(_ id: String) async -> TTRPCError? {
                await ttrpcError {
                    let _: ConnectResponse = try await fixture.client.call(
                        service: Self.taskService, method: "Connect", request: Self.connectRequest(id))
                }
            }
            #expect(
                await failure("missing")
                    == TTRPCError(code: TTRPCError.Code.notFound, message: "container missing: not found"))
            #expect(
                await failure("exists")
                    == TTRPCError(code: TTRPCError.Code.alreadyExists, message: "c1: already exists"))
            #expect(await failure("other") == TTRPCError(code: TTRPCError.Code.unknown, message: "plain failure"))
        }
    }

    @Test func timeoutFailsTheCallAndCancelsTheHandler() async throws {
        let sawDeadline = Mutex<ContinuousClock.Instant?>(nil)
        let handlerCancelled = Gate()
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (request: ConnectRequest, context) in
                sawDeadline.withLock { $0 = context.deadline }
                if request.id == "hang" {
                    do {
                        try await Task.sleep(for: .seconds(30))
                    } catch {
                        handlerCancelled.open()
                        throw error
                    }
                }
                return ConnectResponse()
            }
        }) { fixture in
            let clock = ContinuousClock()
            let started = clock.now
            let error = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("hang"),
                    timeout: .milliseconds(200))
            }
            #expect(error?.code == TTRPCError.Code.deadlineExceeded)
            #expect(clock.now - started < .seconds(20))
            #expect(await handlerCancelled.wait(atMost: .seconds(5)), "the server cancels the handler at the deadline")
            let deadline = try #require(sawDeadline.withLock { $0 })
            // The server's deadline is its own clock at arrival plus 200 ms; arrival may lag under load.
            #expect(deadline <= started.advanced(by: .seconds(10)))

            // A timeout that does not pass: the call succeeds and the handler sees a deadline that far off.
            let before = clock.now
            let _: ConnectResponse = try await fixture.client.call(
                service: Self.taskService, method: "Connect", request: Self.connectRequest("quick"),
                timeout: .seconds(30))
            let far = try #require(sawDeadline.withLock { $0 })
            #expect(far > before.advanced(by: .seconds(25)))

            // An already-expired timeout is not sent.
            let expired = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("quick"),
                    timeout: .zero)
            }
            #expect(expired?.code == TTRPCError.Code.deadlineExceeded)
        }
    }

    @Test func cancellingTheCallingTaskEndsTheCall() async throws {
        let started = Gate()
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (request: ConnectRequest, _) in
                if request.id == "hang" {
                    started.open()
                    try await Task.sleep(for: .seconds(30))
                }
                return ConnectResponse()
            }
        }) { fixture in
            let client = fixture.client
            let call = Task {
                let _: ConnectResponse = try await client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("hang"))
            }
            #expect(await started.wait(atMost: .seconds(10)))
            call.cancel()
            await #expect(throws: CancellationError.self) { try await call.value }
            // The connection is still good.
            let _: ConnectResponse = try await client.call(
                service: Self.taskService, method: "Connect", request: Self.connectRequest("ok"))
        }
    }

    @Test func serverCloseFailsOutstandingCallsWithUnavailable() async throws {
        let started = Gate()
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (_: ConnectRequest, _) in
                started.open()
                try await Task.sleep(for: .seconds(60))
                return ConnectResponse()
            }
        }) { fixture in
            let client = fixture.client
            let call = Task {
                await ttrpcError {
                    let _: ConnectResponse = try await client.call(
                        service: Self.taskService, method: "Connect", request: Self.connectRequest("hang"))
                }
            }
            #expect(await started.wait(atMost: .seconds(10)))
            let closed = Task { await client.closeFuture() }

            await fixture.server.close()
            #expect(fixture.server.inflightRequests == 0, "close cancels and waits for the handlers")
            #expect(await call.value == TTRPCError.closed)
            await closed.value
            #expect(client.isClosed)
            let later = await ttrpcError {
                let _: ConnectResponse = try await client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("again"))
            }
            #expect(later == TTRPCError(code: 14, message: "ttrpc: closed"))
            await #expect(throws: (any Error).self) {
                try await TTRPCClient.connect(unixSocketPath: fixture.socketPath)
            }
        }
    }

    @Test func clientCloseFiresCloseFuture() async throws {
        try await TestServer.with(register: { _ in }) { fixture in
            let client = fixture.client
            // A cancelled waiter returns without the connection closing.
            let cancelledWaiter = Task { await client.closeFuture() }
            cancelledWaiter.cancel()
            await cancelledWaiter.value
            #expect(!client.isClosed)

            let waiter = Task { await client.closeFuture() }
            await client.close()
            await waiter.value
            await client.closeFuture()  // returns at once after the fact
            let error = await ttrpcError {
                let _: ConnectResponse = try await client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("x"))
            }
            #expect(error?.code == TTRPCError.Code.unavailable)
        }
    }

    @Test func serverShutdownLetsRunningCallsFinish() async throws {
        let started = Gate()
        let release = Gate()
        try await TestServer.with(register: { server in
            server.register(service: Self.taskService, method: "Connect") { (_: ConnectRequest, _) in
                started.open()
                await release.wait()
                var response = ConnectResponse()
                response.version = "finished"
                return response
            }
        }) { fixture in
            let client = fixture.client
            let call = Task {
                try await client.call(
                    service: Self.taskService, method: "Connect", request: Self.connectRequest("x"),
                    responseType: ConnectResponse.self)
            }
            #expect(await started.wait(atMost: .seconds(10)))
            let shutdown = Task { await fixture.server.shutdown(gracePeriod: .seconds(10)) }
            try await Task.sleep(for: .milliseconds(100))
            release.open()
            #expect(try await call.value.version == "finished")
            await shutdown.value
            await client.closeFuture()
        }
    }
}
