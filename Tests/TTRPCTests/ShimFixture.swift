import BerthAPI
import Foundation
import SwiftProtobuf
import TTRPC

/// A containerd-shim-runc-v2 started the way containerd 1.6 starts it, with a TTRPCServer standing in
/// for containerd's events socket, and a TTRPCClient connected to the shim. `with` tears it all down,
/// whatever the test did: kills the shim if still running, deletes a runc container left behind,
/// removes its socket and the temporary directories.
final class ShimFixture: Sendable {
    static let namespace = ShimProcess.namespace
    static let taskService = "containerd.task.v2.Task"

    let id: String
    let bundle: String
    let client: TTRPCClient
    let shimSocket: String
    /// Events the shim forwarded to our events server.
    let events: ForwardedEvents

    private init(
        id: String, bundle: String, client: TTRPCClient, shimSocket: String,
        events: ForwardedEvents
    ) {
        self.id = id
        self.bundle = bundle
        self.client = client
        self.shimSocket = shimSocket
        self.events = events
    }

    /// The namespace metadata containerd sends with every shim call.
    var metadata: [(String, String)] { [(TTRPCRequestContext.namespaceMetadataKey, Self.namespace)] }

    func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: String, _ request: Request, as: Response.Type = Response.self
    ) async throws -> Response {
        try await client.call(
            service: Self.taskService, method: method, request: request, metadata: metadata, timeout: .seconds(10))
    }

    /// `prepareBundle` fills the bundle directory before `start` (config.json is written first as `{}`).
    static func with(
        prepareBundle: (String) async throws -> Void = { _ in },
        _ body: (ShimFixture, _ shimPID: inout pid_t?) async throws -> Void
    ) async throws {
        let directory = try TestDirectory("ttrpc-shim")
        // The shim makes these; remember which were there so only ours (and only if empty) go afterwards.
        let runcRoot = "/run/containerd/runc/\(namespace)"
        let shimDirectories = [runcRoot, "/run/containerd/runc", "/run/containerd/s", "/run/containerd"]
            .filter { !FileManager.default.fileExists(atPath: $0) }
        let id = "ttrpc-\(UUID().uuidString.prefix(8).lowercased())"
        let bundle = directory.file(id)
        let eventsSocket = directory.file("ttrpc.sock")
        let received = ForwardedEvents()
        let eventsServer = TTRPCServer()
        eventsServer.register(service: "containerd.services.events.ttrpc.v1.Events", method: "Forward") {
            (request: Containerd_Services_Events_Ttrpc_V1_ForwardRequest, context) in
            received.append(
                .init(
                    topic: request.envelope.topic, namespace: request.envelope.namespace,
                    metadataNamespace: context.namespace))
            return Google_Protobuf_Empty()
        }
        var logFD: CInt = -1
        var shimPID: pid_t?
        var shimSocket: String?
        var client: TTRPCClient?

        var failure: (any Error)?
        do {
            try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
            // `start` reads config.json only for grouping annotations: an empty object will do.
            try Data("{}".utf8).write(to: URL(fileURLWithPath: bundle + "/config.json"))
            try await prepareBundle(bundle)
            // The serving shim opens the `log` FIFO for writing and blocks until a reader has it open
            // (containerd's openShimLog does that); keep a non-blocking reader open throughout.
            guard mkfifo(bundle + "/log", 0o700) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            logFD = open(bundle + "/log", O_RDONLY | O_NONBLOCK | O_CLOEXEC)
            guard logFD >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
            try await eventsServer.start(unixSocketPath: eventsSocket)

            let start = try await ShimProcess.runShimStart(
                id: id, bundle: bundle, containerdAddress: directory.file("fake-containerd.sock"),
                ttrpcAddress: eventsSocket)
            guard start.status == 0 else { throw ShimStartFailed(output: start.output) }
            let address = start.output.trimmingCharacters(in: .whitespacesAndNewlines)
            guard address.hasPrefix("unix:///run/containerd/s/") else { throw ShimStartFailed(output: start.output) }
            shimSocket = String(address.dropFirst("unix://".count))
            let connected = try await TTRPCClient.connect(unixSocketPath: address)
            client = connected
            let fixture = ShimFixture(
                id: id, bundle: bundle, client: connected, shimSocket: String(address.dropFirst("unix://".count)),
                events: received)
            try await body(fixture, &shimPID)
        } catch {
            failure = error
        }

        await client?.close()
        if let shimPID, ShimProcess.isRunning(shimPID) { kill(shimPID, SIGKILL) }
        // A container the test created and did not delete: its runc init process would linger.
        if FileManager.default.fileExists(atPath: runcRoot + "/" + id) {
            _ = try? await ShimProcess.run("/usr/sbin/runc", ["--root", runcRoot, "delete", "--force", id])
        }
        if let shimSocket { try? FileManager.default.removeItem(atPath: shimSocket) }
        // rmdir only removes empty ones: something else may have started using them meanwhile.
        for path in shimDirectories { rmdir(path) }
        await eventsServer.close()
        if logFD >= 0 {
            if failure != nil { print("shim log:\n" + ShimProcess.drain(logFD)) }
            close(logFD)
        }
        directory.remove()
        if let failure { throw failure }
    }
}
