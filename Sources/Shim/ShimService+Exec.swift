import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimService {
    /// Records an exec; it runs at Start, as containerd-shim-runc-v2 does.
    func exec(_ request: Containerd_Task_V2_ExecProcessRequest) throws(ShimError) -> Google_Protobuf_Empty {
        let container = try process(request.id, "")
        guard !request.execID.isEmpty else { throw ShimError(.invalidArgument, "exec id cannot be empty") }
        guard execs[request.execID] == nil else { throw ShimError(.alreadyExists, "id \(request.execID)") }
        guard !container.hasExited else {
            throw ShimError(.failedPrecondition, "container \(containerID) is stopped")
        }
        guard request.hasSpec else { throw ShimError(.invalidArgument, "exec \(request.execID) has no process spec") }
        let process = ShimProcess(execID: request.execID, paths: .init(
            stdin: request.stdin, stdout: request.stdout, stderr: request.stderr, terminal: request.terminal))
        process.spec = Array(request.spec.value)
        execs[request.execID] = process
        events.publish("/tasks/exec-added", Containerd_Events_TaskExecAdded.with {
            $0.containerID = containerID
            $0.execID = request.execID
        })
        return Google_Protobuf_Empty()
    }

    /// `runc exec --detach` with the process spec written to a file in the bundle.
    func startExec(_ process: ShimProcess) throws(ShimError) {
        let runc = try requireRunc()
        execSpecCounter += 1
        let specPath = "\(bundle)/.exec-\(execSpecCounter).json"
        let pidFile = "\(bundle)/.exec-\(execSpecCounter).pid"
        try Sys.writeFile(specPath, process.spec, mode: 0o600)
        defer {
            unlink(specPath)
            unlink(pidFile)
        }
        do {
            let pid = try launch(process, runc: runc) { consoleSocket in
                var arguments = ["exec", "--detach", "--process", specPath, "--pid-file", pidFile]
                if let consoleSocket { arguments += ["--console-socket", consoleSocket] }
                return (arguments + [containerID], pidFile)
            }
            process.spec = []
            process.status = .running
            register(process, pid: pid)
        } catch {
            throw ShimError(error.code, "OCI runtime exec failed: \(error.message)")
        }
        events.publish("/tasks/exec-started", Containerd_Events_TaskExecStarted.with {
            $0.containerID = containerID
            $0.execID = process.execID
            $0.pid = UInt32(process.pid)
        })
    }
}
