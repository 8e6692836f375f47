import BerthAPI
import Glibc
import SwiftProtobuf

extension ShimService {
    /// On SIGCHLD: collects every child that has exited (the shim is a subreaper, so the container's
    /// orphans land here too) and records each known process's exit exactly once.
    func reapExited() {
        while true {
            var status: Int32 = 0
            let pid = waitpid(-1, &status, WNOHANG)
            guard pid > 0 else { return }
            let code = Sys.exitCode(fromWaitStatus: status)
            let now = Google_Protobuf_Timestamp.now()
            if let process = process(withPID: pid) {
                processExited(process, status: code, at: now)
            } else if unclaimedExits.count < 256 {
                unclaimedExits[pid] = (code, now)
            }
        }
    }

    func processExited(_ process: ShimProcess, status: UInt32, at time: Google_Protobuf_Timestamp) {
        guard process.recordExit(status: status, at: time) else { return }
        log.debug("process \(process.pid) exited with \(status)")
        events.publish("/tasks/exit", Containerd_Events_TaskExit.with {
            $0.containerID = containerID
            $0.id = process.execID.isEmpty ? containerID : process.execID
            $0.pid = UInt32(process.pid)
            $0.exitStatus = status
            $0.exitedAt = time
        })
    }
}
