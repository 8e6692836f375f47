import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import Metadata
import Runtime
import SwiftProtobuf

/// containerd.services.tasks.v1.Tasks: tasks of containers, each run by a runtime v2 shim. Most methods are
/// the shim's own Task API, addressed by container id; the task manager owns the shims.
public struct TasksService: Containerd_Services_Tasks_V1_Tasks.ServiceProtocol {
    public typealias API = Containerd_Services_Tasks_V1_Tasks
    let metadata: MetadataStore
    let tasks: TaskManager

    public init(metadata: MetadataStore, tasks: TaskManager) {
        self.metadata = metadata
        self.tasks = tasks
    }

    public func create(
        request: ServerRequest<API.Method.Create.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Create.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        let container = try await metadata.container(namespace: namespace, id: message.containerID)
        if message.hasCheckpoint {
            throw BerthError.notImplemented("restoring a task from a checkpoint is not supported")
        }
        guard let spec = container.spec else { throw BerthError.invalidArgument("container.Spec must be set") }
        let creation = TaskCreation(
            namespace: namespace, id: container.id,
            runtime: message.runtimePath.isEmpty ? container.runtime.name : message.runtimePath,
            spec: spec.value, rootfs: message.rootfs, stdin: message.stdin, stdout: message.stdout,
            stderr: message.stderr, terminal: message.terminal,
            options: message.hasOptions ? message.options : container.runtime.options.map(Google_Protobuf_Any.init))
        let (_, pid) = try await tasks.create(creation)
        return ServerResponse(message: .with {
            $0.containerID = container.id
            $0.pid = pid
        })
    }

    public func start(
        request: ServerRequest<API.Method.Start.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Start.Output> {
        let task = try await task(request.metadata, request.message.containerID)
        let started = try await task.call(
            "Start", Containerd_Task_V2_StartRequest.with {
                $0.id = task.id
                $0.execID = request.message.execID
            }, as: Containerd_Task_V2_StartResponse.self)
        CrashPoint.reach("task.start.after-start")
        return ServerResponse(message: .with { $0.pid = started.pid })
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Delete.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let container = try await metadata.container(namespace: namespace, id: request.message.containerID)
        let exit = try await tasks.delete(namespace: namespace, id: container.id)
        return ServerResponse(message: .with {
            $0.id = container.id
            $0.pid = exit.pid
            $0.exitStatus = exit.exitStatus
            $0.exitedAt = exit.exitedAt
        })
    }

    public func deleteProcess(
        request: ServerRequest<API.Method.DeleteProcess.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.DeleteProcess.Output> {
        let task = try await task(request.metadata, request.message.containerID)
        let execID = request.message.execID
        let exit = try await task.call(
            "Delete", Containerd_Task_V2_DeleteRequest.with {
                $0.id = task.id
                $0.execID = execID
            }, as: Containerd_Task_V2_DeleteResponse.self)
        return ServerResponse(message: .with {
            $0.id = execID
            $0.pid = exit.pid
            $0.exitStatus = exit.exitStatus
            $0.exitedAt = exit.exitedAt
        })
    }

    public func get(
        request: ServerRequest<API.Method.Get.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Get.Output> {
        let task = try await task(request.metadata, request.message.containerID)
        let state = try await task.state(execID: request.message.execID)
        return ServerResponse(message: .with { $0.process = .init(state, id: task.id) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.List.Output> {
        let namespace = try request.metadata.requiredNamespace()
        var processes: [Containerd_V1_Types_Process] = []
        for task in await tasks.tasks(namespace: namespace) {
            // A task whose shim does not answer is left out, as containerd does.
            guard let state = try? await task.state() else { continue }
            processes.append(.init(state, id: task.id))
        }
        return ServerResponse(message: .with { $0.tasks = processes })
    }

    public func kill(
        request: ServerRequest<API.Method.Kill.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("Kill", Containerd_Task_V2_KillRequest.with {
            $0.id = task.id
            $0.execID = request.message.execID
            $0.signal = request.message.signal
            $0.all = request.message.all
        }))
    }

    public func exec(
        request: ServerRequest<API.Method.Exec.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let message = request.message
        guard !message.execID.isEmpty else { throw BerthError.invalidArgument("exec id cannot be empty") }
        let task = try await task(request.metadata, message.containerID)
        return ServerResponse(message: try await task.call("Exec", Containerd_Task_V2_ExecProcessRequest.with {
            $0.id = task.id
            $0.execID = message.execID
            $0.terminal = message.terminal
            $0.stdin = message.stdin
            $0.stdout = message.stdout
            $0.stderr = message.stderr
            $0.spec = message.spec
        }))
    }

    public func resizePty(
        request: ServerRequest<API.Method.ResizePty.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("ResizePty", Containerd_Task_V2_ResizePtyRequest.with {
            $0.id = task.id
            $0.execID = request.message.execID
            $0.width = request.message.width
            $0.height = request.message.height
        }))
    }

    public func closeIO(
        request: ServerRequest<API.Method.CloseIO.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("CloseIO", Containerd_Task_V2_CloseIORequest.with {
            $0.id = task.id
            $0.execID = request.message.execID
            $0.stdin = request.message.stdin
        }))
    }

    public func pause(
        request: ServerRequest<API.Method.Pause.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("Pause", Containerd_Task_V2_PauseRequest.with { $0.id = task.id }))
    }

    public func resume(
        request: ServerRequest<API.Method.Resume.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("Resume", Containerd_Task_V2_ResumeRequest.with { $0.id = task.id }))
    }

    public func listPids(
        request: ServerRequest<API.Method.ListPids.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.ListPids.Output> {
        let task = try await task(request.metadata, request.message.containerID)
        let pids = try await task.call(
            "Pids", Containerd_Task_V2_PidsRequest.with { $0.id = task.id }, as: Containerd_Task_V2_PidsResponse.self)
        return ServerResponse(message: .with { $0.processes = pids.processes })
    }

    public func checkpoint(
        request: ServerRequest<API.Method.Checkpoint.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Checkpoint.Output> {
        _ = try await task(request.metadata, request.message.containerID)
        throw BerthError.notImplemented("checkpointing a task is not supported")
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let task = try await task(request.metadata, request.message.containerID)
        return ServerResponse(message: try await task.call("Update", Containerd_Task_V2_UpdateTaskRequest.with {
            $0.id = task.id
            if request.message.hasResources { $0.resources = request.message.resources }
            $0.annotations = request.message.annotations
        }))
    }

    public func metrics(
        request: ServerRequest<API.Method.Metrics.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Metrics.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        var metrics: [Containerd_Types_Metric] = []
        for task in await tasks.tasks(namespace: namespace) {
            let fields = ["id": task.id, "namespace": task.namespace]
            guard filter.matches(DictionaryFilterAdaptor { $0.count == 1 ? fields[$0[0]] : nil }) else { continue }
            guard let stats = try? await task.call(
                "Stats", Containerd_Task_V2_StatsRequest.with { $0.id = task.id }, as: Containerd_Task_V2_StatsResponse.self)
            else { continue }
            metrics.append(.with {
                $0.timestamp = .init(date: Date())
                $0.id = task.id
                $0.data = stats.stats
            })
        }
        return ServerResponse(message: .with { $0.metrics = metrics })
    }

    public func wait(
        request: ServerRequest<API.Method.Wait.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Wait.Output> {
        let task = try await task(request.metadata, request.message.containerID)
        let exit = try await task.call(
            "Wait", Containerd_Task_V2_WaitRequest.with {
                $0.id = task.id
                $0.execID = request.message.execID
            }, as: Containerd_Task_V2_WaitResponse.self)
        return ServerResponse(message: .with {
            $0.exitStatus = exit.exitStatus
            $0.exitedAt = exit.exitedAt
        })
    }

    /// The task of a container: the container must exist, and have a task.
    private func task(_ requestMetadata: GRPCCore.Metadata, _ containerID: String) async throws -> ShimTask {
        let namespace = try requestMetadata.requiredNamespace()
        let container = try await metadata.container(namespace: namespace, id: containerID)
        return try await tasks.task(namespace: namespace, id: container.id)
    }
}

extension Containerd_V1_Types_Process {
    init(_ state: Containerd_Task_V2_StateResponse, id: String) {
        self.init()
        self.id = state.execID.isEmpty ? id : state.execID
        pid = state.pid
        status = state.status
        stdin = state.stdin
        stdout = state.stdout
        stderr = state.stderr
        terminal = state.terminal
        exitStatus = state.exitStatus
        exitedAt = state.exitedAt
    }
}
