import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimService {
    func state(_ request: Containerd_Task_V2_StateRequest) throws(ShimError) -> Containerd_Task_V2_StateResponse {
        let process = try process(request.id, request.execID)
        return .with {
            $0.id = process.execID.isEmpty ? containerID : process.execID
            $0.bundle = bundle
            $0.pid = UInt32(process.pid)
            $0.status = process.status
            $0.stdin = process.paths.stdin
            $0.stdout = process.paths.stdout
            $0.stderr = process.paths.stderr
            $0.terminal = process.paths.terminal
            $0.exitStatus = process.exitStatus
            if let exitedAt = process.exitedAt { $0.exitedAt = exitedAt }
            $0.execID = process.execID
        }
    }

    func start(_ request: Containerd_Task_V2_StartRequest) throws(ShimError) -> Containerd_Task_V2_StartResponse {
        let process = try process(request.id, request.execID)
        guard process.status == .created, !process.hasExited else {
            throw ShimError(.failedPrecondition, "process \(request.execID.isEmpty ? request.id : request.execID) is not in the created state")
        }
        if process.execID.isEmpty {
            try requireRunc().run(["start", containerID])
            if !process.hasExited { process.status = .running }
            events.publish("/tasks/start", Containerd_Events_TaskStart.with {
                $0.containerID = containerID
                $0.pid = UInt32(process.pid)
            })
        } else {
            try startExec(process)
        }
        return .with { $0.pid = UInt32(process.pid) }
    }

    func kill(_ request: Containerd_Task_V2_KillRequest) throws(ShimError) -> Google_Protobuf_Empty {
        let process = try process(request.id, request.execID)
        guard !process.hasExited, process.pid > 0 || process.execID.isEmpty else {
            throw ShimError.notFound("process already finished")
        }
        if process.execID.isEmpty {
            var arguments = ["kill"]
            if request.all { arguments.append("--all") }
            do {
                try requireRunc().run(arguments + [containerID, String(request.signal)])
            } catch {
                // runc refuses to signal a container whose init just exited; say so as containerd does.
                reapExited()
                if process.hasExited { throw ShimError.notFound("process already finished") }
                throw error
            }
        } else {
            guard process.pid > 0 else { throw ShimError(.failedPrecondition, "process \(process.execID) not started") }
            guard Glibc.kill(process.pid, Int32(request.signal)) == 0 else {
                if errno == ESRCH { throw ShimError.notFound("process already finished") }
                throw ShimError.system("kill \(process.pid)")
            }
        }
        return Google_Protobuf_Empty()
    }

    func delete(_ request: Containerd_Task_V2_DeleteRequest) throws(ShimError) -> Containerd_Task_V2_DeleteResponse {
        let process = try process(request.id, request.execID)
        if !process.execID.isEmpty {
            guard process.hasExited || process.pid == 0 else {
                throw ShimError(.failedPrecondition, "cannot delete a running process \(process.execID)")
            }
            process.io?.drainOutput(milliseconds: Self.outputDrainMilliseconds)
            process.io?.close()
            execs[process.execID] = nil
            return deleteResponse(process)
        }
        guard process.status == .created || process.hasExited else {
            throw ShimError(.failedPrecondition, "cannot delete running task \(containerID)")
        }
        let runc = try requireRunc()
        if !process.hasExited {
            // Created but never started: runc kills the waiting init; its exit is collected right here.
            try runc.run(["delete", "--force", containerID])
            collectExit(of: process, timeoutMilliseconds: 2000)
        } else {
            do {
                try runc.run(["delete", containerID])
            } catch {
                // Gone already (runc's state removed by hand, or a rerun delete): nothing left to do.
                _ = try? runc.run(["delete", "--force", containerID])
            }
        }
        for exec in execs.values { exec.io?.close() }
        execs.removeAll()
        oomWatch?.close()
        oomWatch = nil
        process.io?.drainOutput(milliseconds: Self.outputDrainMilliseconds)
        process.io?.close()
        if rootfsMounted { RootfsMount.unmountAll(bundle + "/rootfs") }
        rootfsMounted = false
        initProcess = nil
        let response = deleteResponse(process)
        events.publish("/tasks/delete", Containerd_Events_TaskDelete.with {
            $0.containerID = containerID
            $0.pid = response.pid
            $0.exitStatus = response.exitStatus
            $0.exitedAt = response.exitedAt
            $0.id = containerID
        })
        return response
    }

    /// How long Delete waits for an exited process's last output to be passed on (runc-v2: 2 s).
    static let outputDrainMilliseconds = 2000

    private func deleteResponse(_ process: ShimProcess) -> Containerd_Task_V2_DeleteResponse {
        .with {
            $0.pid = UInt32(process.pid)
            $0.exitStatus = process.exitStatus
            $0.exitedAt = process.exitedAt ?? .now()
        }
    }

    /// Answers now if the process has exited, else when it does.
    func wait(_ request: Containerd_Task_V2_WaitRequest, _ responder: TTRPCResponder) throws(ShimError) {
        let process = try process(request.id, request.execID)
        if process.hasExited {
            responder.succeed(process.waitResponse)
        } else {
            process.waiters.append(responder)
        }
    }

    /// Waits (bounded) for one child the shim just had killed, so its status is known before answering.
    func collectExit(of process: ShimProcess, timeoutMilliseconds: Int) {
        let deadline = Sys.monotonicMilliseconds() + Int64(timeoutMilliseconds)
        while !process.hasExited && process.pid > 0 && Sys.monotonicMilliseconds() < deadline {
            var status: Int32 = 0
            let reaped = waitpid(process.pid, &status, WNOHANG)
            if reaped == process.pid {
                processExited(process, status: Sys.exitCode(fromWaitStatus: status), at: .now())
                return
            }
            if reaped < 0 && errno == ECHILD { break }
            Sys.sleepMilliseconds(10)
        }
        if !process.hasExited { processExited(process, status: 128 + UInt32(SIGKILL), at: .now()) }
    }
}
