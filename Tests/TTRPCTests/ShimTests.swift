import BerthAPI
import Foundation
import SwiftProtobuf
import TTRPC
import Testing

/// TTRPCClient and TTRPCServer against the real containerd-shim-runc-v2 (Debian's containerd package),
/// started as containerd 1.6 starts it (runtime/v2/binary.go, shim/util.go, runc/manager).
/// Serialized: each test removes the (empty) directories its shim made under /run/containerd.
@Suite(
    .serialized, .enabled(if: ShimProcess.canRun, "needs /usr/bin/containerd-shim-runc-v2 and root"),
    .timeLimit(.minutes(1)))
struct ShimTests {
    @Test func connectAndShutdown() async throws {
        try await ShimFixture.with { shim, shimPID in
            var connect = Containerd_Task_V2_ConnectRequest()
            connect.id = shim.id
            let connected: Containerd_Task_V2_ConnectResponse = try await shim.call("Connect", connect)
            let pid = pid_t(connected.shimPid)
            shimPID = pid
            #expect(pid > 0)
            #expect(ShimProcess.isRunning(pid), "Connect's shim_pid \(pid) should be a live process")
            #expect(connected.taskPid == 0, "no task was created")

            // An unknown method comes back as the Go server words it.
            let unknown = await ttrpcError {
                let _: Google_Protobuf_Empty = try await shim.call("NoSuchMethod", connect)
            }
            #expect(unknown == TTRPCError(code: TTRPCError.Code.unimplemented, message: "method NoSuchMethod"))

            try await Self.shutdown(shim, pid: pid)
        }
    }

    /// The other direction: the shim's Go ttrpc client forwards task events to our TTRPCServer.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/sbin/runc")
        && FileManager.default.isExecutableFile(atPath: "/bin/busybox")))
    func taskEventsReachOurServer() async throws {
        try await ShimFixture.with(prepareBundle: Self.busyboxBundle) { shim, shimPID in
            var connect = Containerd_Task_V2_ConnectRequest()
            connect.id = shim.id
            let connected: Containerd_Task_V2_ConnectResponse = try await shim.call("Connect", connect)
            shimPID = pid_t(connected.shimPid)

            var create = Containerd_Task_V2_CreateTaskRequest()
            create.id = shim.id
            create.bundle = shim.bundle
            let created: Containerd_Task_V2_CreateTaskResponse = try await shim.call("Create", create)
            #expect(created.pid > 0)
            #expect(await Self.eventually { shim.events.topics.contains("/tasks/create") }, "got \(shim.events.topics)")

            var delete = Containerd_Task_V2_DeleteRequest()
            delete.id = shim.id
            let _: Containerd_Task_V2_DeleteResponse = try await shim.call("Delete", delete)
            #expect(await Self.eventually { shim.events.topics.contains("/tasks/delete") }, "got \(shim.events.topics)")
            let forwarded = shim.events.all
            for event in forwarded {
                #expect(event.namespace == ShimFixture.namespace)
                #expect(event.metadataNamespace == ShimFixture.namespace, "sent as containerd-namespace-ttrpc")
            }

            if let shimPID { try await Self.shutdown(shim, pid: shimPID) }
        }
    }

    /// Shutdown with no tasks left: the shim exits, maybe before its answer is out (containerd tolerates
    /// ErrClosed there too), closeFuture fires, and the shim removes its socket.
    static func shutdown(_ shim: ShimFixture, pid: pid_t) async throws {
        var shutdown = Containerd_Task_V2_ShutdownRequest()
        shutdown.id = shim.id
        shutdown.now = true
        do {
            let _: Google_Protobuf_Empty = try await shim.call("Shutdown", shutdown)
        } catch let error as TTRPCError where error == TTRPCError.closed {}

        let client = shim.client
        #expect(await ShimProcess.within(.seconds(10)) { await client.closeFuture() }, "closeFuture fires")
        #expect(client.isClosed)
        #expect(await ShimProcess.waitForExit(pid, within: .seconds(10)), "the shim process exits")
        #expect(!FileManager.default.fileExists(atPath: shim.shimSocket), "the shim removes its socket")
    }

    /// An OCI bundle runc can create a container from: `runc spec`'s default, running a static busybox.
    static func busyboxBundle(_ bundle: String) async throws {
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bundle + "/rootfs/bin/busybox")
        try FileManager.default.removeItem(atPath: bundle + "/config.json")  // runc spec will not overwrite it
        let (status, output) = try await ShimProcess.run("/usr/sbin/runc", ["spec", "--bundle", bundle])
        guard status == 0 else { throw ShimStartFailed(output: "runc spec: \(output)") }
        let path = bundle + "/config.json"
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var spec = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        var process = spec["process"] as? [String: Any] ?? [:]
        process["terminal"] = false
        process["args"] = ["/bin/busybox", "true"]
        spec["process"] = process
        try JSONSerialization.data(withJSONObject: spec).write(to: URL(fileURLWithPath: path))
    }

    static func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while !condition() {
            guard clock.now < end else { return false }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }
}
