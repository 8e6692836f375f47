import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias TaskProcess = Containerd_V1_Types_Process
public typealias TaskExit = Containerd_Services_Tasks_V1_DeleteResponse

/// Where a process's standard streams go: fifo paths the shim opens (empty for none), or a terminal.
public struct ProcessIO: Sendable {
    public var stdin: String
    public var stdout: String
    public var stderr: String
    public var terminal: Bool

    public init(stdin: String = "", stdout: String = "", stderr: String = "", terminal: Bool = false) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
    }
}

extension BerthClient {
    var tasks: Containerd_Services_Tasks_V1_Tasks.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    /// Creates the container's task with `rootfs` mounts; returns the init pid.
    @discardableResult
    public func createTask(
        containerID: String, rootfs: [Containerd_Types_Mount], io: ProcessIO, runtimeOptions: Google_Protobuf_Any? = nil
    ) async throws -> UInt32 {
        try await tasks.create(.with {
            $0.containerID = containerID
            $0.rootfs = rootfs
            $0.stdin = io.stdin
            $0.stdout = io.stdout
            $0.stderr = io.stderr
            $0.terminal = io.terminal
            if let runtimeOptions { $0.options = runtimeOptions }
        }, metadata: metadata, options: options).pid
    }

    @discardableResult
    public func startTask(_ containerID: String, execID: String = "") async throws -> UInt32 {
        try await tasks.start(.with {
            $0.containerID = containerID
            $0.execID = execID
        }, metadata: metadata, options: options).pid
    }

    public func task(_ containerID: String, execID: String = "") async throws -> TaskProcess {
        try await tasks.get(.with {
            $0.containerID = containerID
            $0.execID = execID
        }, metadata: metadata, options: options).process
    }

    public func listTasks() async throws -> [TaskProcess] {
        try await tasks.list(.init(), metadata: metadata, options: options).tasks
    }

    @discardableResult
    public func deleteTask(_ containerID: String) async throws -> TaskExit {
        try await tasks.delete(.with { $0.containerID = containerID }, metadata: metadata, options: options)
    }

    @discardableResult
    public func deleteProcess(_ containerID: String, execID: String) async throws -> TaskExit {
        try await tasks.deleteProcess(.with {
            $0.containerID = containerID
            $0.execID = execID
        }, metadata: metadata, options: options)
    }

    public func killTask(_ containerID: String, signal: Int32, execID: String = "", all: Bool = false) async throws {
        _ = try await tasks.kill(.with {
            $0.containerID = containerID
            $0.execID = execID
            $0.signal = UInt32(bitPattern: signal)
            $0.all = all
        }, metadata: metadata, options: options)
    }

    public func exec(containerID: String, execID: String, spec: Google_Protobuf_Any, io: ProcessIO) async throws {
        _ = try await tasks.exec(.with {
            $0.containerID = containerID
            $0.execID = execID
            $0.spec = spec
            $0.stdin = io.stdin
            $0.stdout = io.stdout
            $0.stderr = io.stderr
            $0.terminal = io.terminal
        }, metadata: metadata, options: options)
    }

    public func pauseTask(_ containerID: String) async throws {
        _ = try await tasks.pause(.with { $0.containerID = containerID }, metadata: metadata, options: options)
    }

    public func resumeTask(_ containerID: String) async throws {
        _ = try await tasks.resume(.with { $0.containerID = containerID }, metadata: metadata, options: options)
    }

    public func resizePty(_ containerID: String, execID: String = "", width: UInt32, height: UInt32) async throws {
        _ = try await tasks.resizePty(.with {
            $0.containerID = containerID
            $0.execID = execID
            $0.width = width
            $0.height = height
        }, metadata: metadata, options: options)
    }

    public func closeStdin(_ containerID: String, execID: String = "") async throws {
        _ = try await tasks.closeIO(.with {
            $0.containerID = containerID
            $0.execID = execID
            $0.stdin = true
        }, metadata: metadata, options: options)
    }

    public func listPids(_ containerID: String) async throws -> [Containerd_V1_Types_ProcessInfo] {
        try await tasks.listPids(.with { $0.containerID = containerID }, metadata: metadata, options: options).processes
    }

    public func metrics(filters: [String]) async throws -> [Containerd_Types_Metric] {
        try await tasks.metrics(.with { $0.filters = filters }, metadata: metadata, options: options).metrics
    }

    /// Waits for the process to exit; no call timeout applies (a task may run for days).
    public func waitTask(_ containerID: String, execID: String = "") async throws -> (status: UInt32, exitedAt: Date) {
        var waitOptions = options
        waitOptions.timeout = nil
        let response = try await tasks.wait(.with {
            $0.containerID = containerID
            $0.execID = execID
        }, metadata: metadata, options: waitOptions)
        return (response.exitStatus, response.exitedAt.date)
    }
}
