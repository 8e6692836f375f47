import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimService {
    func pids(_ request: Containerd_Task_V2_PidsRequest) throws(ShimError) -> Containerd_Task_V2_PidsResponse {
        _ = try process(request.id, "")
        let output = try requireRunc().run(["ps", "--format", "json", containerID])
        let execsByPID = Dictionary(execs.values.filter { $0.pid > 0 }.map { ($0.pid, $0.execID) }) { first, _ in first }
        return .with {
            $0.processes = RuncOutput.pids(output).map { pid in
                Containerd_V1_Types_ProcessInfo.with {
                    $0.pid = pid
                    if let execID = execsByPID[Int32(bitPattern: pid)],
                        let info = try? EventForwarder.any(Containerd_Runc_V1_ProcessDetails.with { $0.execID = execID })
                    {
                        $0.info = info
                    }
                }
            }
        }
    }

    func pause(_ request: Containerd_Task_V2_PauseRequest) throws(ShimError) -> Google_Protobuf_Empty {
        let process = try process(request.id, "")
        guard process.status == .running else {
            throw ShimError(.failedPrecondition, "cannot pause a task that is not running")
        }
        try requireRunc().run(["pause", containerID])
        process.status = .paused
        events.publish("/tasks/paused", Containerd_Events_TaskPaused.with { $0.containerID = containerID })
        return Google_Protobuf_Empty()
    }

    func resume(_ request: Containerd_Task_V2_ResumeRequest) throws(ShimError) -> Google_Protobuf_Empty {
        let process = try process(request.id, "")
        guard process.status == .paused else {
            throw ShimError(.failedPrecondition, "cannot resume a task that is not paused")
        }
        try requireRunc().run(["resume", containerID])
        if !process.hasExited { process.status = .running }
        events.publish("/tasks/resumed", Containerd_Events_TaskResumed.with { $0.containerID = containerID })
        return Google_Protobuf_Empty()
    }

    func checkpoint(_ request: Containerd_Task_V2_CheckpointTaskRequest) throws(ShimError) -> Google_Protobuf_Empty {
        throw ShimError(.unimplemented, "checkpoint is not supported by the berth shim")
    }

    func closeIO(_ request: Containerd_Task_V2_CloseIORequest) throws(ShimError) -> Google_Protobuf_Empty {
        let process = try process(request.id, request.execID)
        if request.stdin { process.io?.closeStdin() }
        return Google_Protobuf_Empty()
    }

    func resizePty(_ request: Containerd_Task_V2_ResizePtyRequest) throws(ShimError) -> Google_Protobuf_Empty {
        let process = try process(request.id, request.execID)
        guard let io = process.io else { throw ShimError.notFound("tty of process") }
        try io.resize(width: UInt16(clamping: request.width), height: UInt16(clamping: request.height))
        return Google_Protobuf_Empty()
    }

    /// `runc update --resources -`: the resources arrive as the runtime-spec LinuxResources JSON.
    func update(_ request: Containerd_Task_V2_UpdateTaskRequest) throws(ShimError) -> Google_Protobuf_Empty {
        _ = try process(request.id, "")
        guard request.hasResources else { throw ShimError(.invalidArgument, "no resources to update") }
        try requireRunc().run(["update", "--resources", "-", containerID], input: Array(request.resources.value))
        return Google_Protobuf_Empty()
    }

    func stats(_ request: Containerd_Task_V2_StatsRequest) throws(ShimError) -> Containerd_Task_V2_StatsResponse {
        let process = try process(request.id, "")
        guard !process.hasExited, process.pid > 0 else { throw ShimError.notFound("process already finished") }
        let metrics = try CgroupStats.metrics(ofProcess: process.pid)
        return .with { $0.stats = metrics }
    }

    func connect(_ request: Containerd_Task_V2_ConnectRequest) throws(ShimError) -> Containerd_Task_V2_ConnectResponse {
        .with {
            $0.shimPid = UInt32(getpid())
            $0.taskPid = UInt32(max(initProcess?.pid ?? 0, 0))
        }
    }

    /// Exits once the task is deleted (or when told to right now); otherwise a no-op, as in runc-v2.
    func shutdown(_ request: Containerd_Task_V2_ShutdownRequest) throws(ShimError) -> Google_Protobuf_Empty {
        if initProcess == nil || request.now {
            // After this answer is written: the callback runs from the loop, not inside the handler.
            loop.after(milliseconds: 0) { [onShutdown] in onShutdown() }
        }
        return Google_Protobuf_Empty()
    }
}
