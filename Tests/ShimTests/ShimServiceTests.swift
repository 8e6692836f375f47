import BerthAPI
import Glibc
import SwiftProtobuf
import Testing
@testable import Shim

/// The Task service over a real ttrpc connection, without runc: requests, errors and deferred answers.
@Suite struct ShimServiceTests {
    final class Harness {
        let directory: TemporaryDirectory
        let loop = EventLoop()
        let service: ShimService
        let server: TTRPCPollServer
        let client: Int32
        var nextStream: UInt32 = 1
        var shutdownCalled = false

        init() throws {
            directory = try TemporaryDirectory()
            let listener = try UnixSocket.listen(directory.path + "/shim.sock")
            var config = ShimConfig()
            config.namespace = "test"
            config.id = "c1"
            let log = ShimLog(fd: -1, debug: false)
            service = ShimService(
                config: config, loop: loop, events: EventForwarder(address: "", namespace: "test", loop: loop, log: log),
                log: log)
            server = TTRPCPollServer(listener: listener, loop: loop, dispatch: service.dispatch)
            client = try UnixSocket.connect(directory.path + "/shim.sock")
            Sys.setNonBlocking(client)
            service.onShutdown = { [unowned self] in shutdownCalled = true }
        }

        deinit {
            close(client)
            server.shutdown()
            directory.remove()
        }

        /// Sends one request and returns its stream id.
        @discardableResult
        func send(_ method: String, _ message: some SwiftProtobuf.Message, service: String = ShimService.service) throws -> UInt32 {
            let stream = nextStream
            nextStream += 2
            let request = try Ttrpc_Request.with {
                $0.service = service
                $0.method = method
                $0.payload = try message.serializedBytes()
            }
            Sys.writeAll(client, TTRPCFraming.encode(.init(streamID: stream, type: 1, payload: try request.serializedBytes())))
            return stream
        }

        /// Runs the loop until a response arrives (or about two seconds pass).
        func response() throws -> (UInt32, Ttrpc_Response)? {
            var buffer: [UInt8] = []
            for _ in 0..<200 {
                loop.runOnce(maxWaitMilliseconds: 10)
                buffer += ProcessIOTests.readAvailable(client)
                if case .frame(let frame, _) = TTRPCFraming.decode(buffer[...]) {
                    return (frame.streamID, try Ttrpc_Response(serializedBytes: frame.payload))
                }
            }
            return nil
        }
    }

    @Test func unknownTaskIsNotFound() throws {
        let harness = try Harness()
        let stream = try harness.send("State", Containerd_Task_V2_StateRequest.with { $0.id = "c1" })
        let (answered, response) = try #require(try harness.response())
        #expect(answered == stream)
        #expect(response.status.code == 5)
        #expect(response.status.message == "container c1: not found")
    }

    @Test func unknownMethodsAndServicesAreUnimplemented() throws {
        let harness = try Harness()
        try harness.send("Frobnicate", Google_Protobuf_Empty())
        #expect(try harness.response()?.1.status.code == 12)
        try harness.send("State", Google_Protobuf_Empty(), service: "containerd.task.v3.Task")
        #expect(try harness.response()?.1.status.code == 12)
    }

    @Test func connectReportsTheShimPid() throws {
        let harness = try Harness()
        try harness.send("Connect", Containerd_Task_V2_ConnectRequest.with { $0.id = "c1" })
        let response = try #require(try harness.response()).1
        #expect(response.status.code == 0)
        let connect = try Containerd_Task_V2_ConnectResponse(serializedBytes: response.payload)
        #expect(connect.shimPid == UInt32(getpid()))
    }

    @Test func waitIsAnsweredOnceWhenTheProcessExits() throws {
        let harness = try Harness()
        let process = ShimProcess(execID: "", paths: .init())
        harness.service.initProcess = process
        harness.service.containerID = "c1"
        harness.service.register(process, pid: 4242)
        try harness.send("Wait", Containerd_Task_V2_WaitRequest.with { $0.id = "c1" })
        ProcessIOTests.run(harness.loop) { process.waiters.count == 1 }
        #expect(process.waiters.count == 1)
        harness.service.processExited(process, status: 3, at: .now())
        harness.service.processExited(process, status: 9, at: .now())
        let response = try #require(try harness.response()).1
        let wait = try Containerd_Task_V2_WaitResponse(serializedBytes: response.payload)
        #expect(wait.exitStatus == 3)
        #expect(process.exitStatus == 3)
        #expect(process.status == .stopped)
        // Killing a finished process is NotFound, as containerd says it.
        try harness.send("Kill", Containerd_Task_V2_KillRequest.with { $0.id = "c1"; $0.signal = 9 })
        #expect(try harness.response()?.1.status.message == "process already finished: not found")
    }

    @Test func exitReapedBeforeThePidIsKnownIsNotLost() throws {
        let harness = try Harness()
        harness.service.unclaimedExits[777] = (7, .now())
        let process = ShimProcess(execID: "e1", paths: .init())
        harness.service.register(process, pid: 777)
        #expect(process.hasExited)
        #expect(process.exitStatus == 7)
    }

    @Test func shutdownWaitsForTheTaskToBeDeleted() throws {
        let harness = try Harness()
        harness.service.initProcess = ShimProcess(execID: "", paths: .init())
        harness.service.containerID = "c1"
        try harness.send("Shutdown", Containerd_Task_V2_ShutdownRequest.with { $0.id = "c1" })
        #expect(try harness.response()?.1.status.code == 0)
        for _ in 0..<5 { harness.loop.runOnce(maxWaitMilliseconds: 5) }
        #expect(!harness.shutdownCalled)
        harness.service.initProcess = nil
        try harness.send("Shutdown", Containerd_Task_V2_ShutdownRequest.with { $0.id = "c1" })
        #expect(try harness.response()?.1.status.code == 0)
        for _ in 0..<5 { harness.loop.runOnce(maxWaitMilliseconds: 5) }
        #expect(harness.shutdownCalled)
    }

    @Test func eventsCarryTheBareTypeURL() throws {
        let any = try EventForwarder.any(Containerd_Events_TaskExit.with { $0.containerID = "c1" })
        #expect(any.typeURL == "containerd.events.TaskExit")
    }
}
