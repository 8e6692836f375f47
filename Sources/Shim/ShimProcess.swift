import BerthAPI
import SwiftProtobuf

/// One process of the task: the container's init (exec id "") or an exec. Its exit is recorded once.
final class ShimProcess {
    let execID: String
    let paths: ProcessIO.Paths
    var pid: Int32 = 0
    var status: Containerd_V1_Types_Status = .created
    private(set) var exitStatus: UInt32 = 0
    private(set) var exitedAt: Google_Protobuf_Timestamp?
    var io: ProcessIO?
    /// An exec's process spec (runc's process.json), kept until it starts.
    var spec: [UInt8] = []
    /// Wait calls answered when the process exits.
    var waiters: [TTRPCResponder] = []

    init(execID: String, paths: ProcessIO.Paths) {
        self.execID = execID
        self.paths = paths
    }

    var hasExited: Bool { exitedAt != nil }

    /// Records the exit; false (and nothing changes) if it was recorded already.
    @discardableResult
    func recordExit(status: UInt32, at time: Google_Protobuf_Timestamp) -> Bool {
        guard exitedAt == nil else { return false }
        exitStatus = status
        exitedAt = time
        self.status = .stopped
        let waiting = waiters
        waiters.removeAll()
        for waiter in waiting { waiter.succeed(waitResponse) }
        return true
    }

    var waitResponse: Containerd_Task_V2_WaitResponse {
        .with {
            $0.exitStatus = exitStatus
            if let exitedAt { $0.exitedAt = exitedAt }
        }
    }
}
