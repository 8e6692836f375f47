import BerthAPI
// Data only (the generated messages' bytes fields): not Foundation, which costs a shim ~8 MB.
import FoundationEssentials
import Glibc
import SwiftProtobuf

/// `containerd.task.v2.Task` for one container: its init process and execs, driven through runc, their
/// exits reaped on SIGCHLD, and the events the daemon hears about them.
final class ShimService {
    static let service = "containerd.task.v2.Task"

    let config: ShimConfig
    let loop: EventLoop
    let events: EventForwarder
    let log: ShimLog
    /// Called once Shutdown has answered: the server stops and the process exits.
    var onShutdown: () -> Void = {}

    var bundle = ""
    var runc: Runc?
    var rootfsMounted = false
    var initProcess: ShimProcess?
    var execs: [String: ShimProcess] = [:]
    var containerID = ""
    /// Exits of children not (yet) known as a process, by pid; consulted when a pid is registered.
    var unclaimedExits: [Int32: (status: UInt32, at: Google_Protobuf_Timestamp)] = [:]
    var execSpecCounter = 0
    var oomWatch: OOMWatch?

    init(config: ShimConfig, loop: EventLoop, events: EventForwarder, log: ShimLog) {
        self.config = config
        self.loop = loop
        self.events = events
        self.log = log
    }

    /// Routes one ttrpc request to its method.
    func dispatch(_ request: Ttrpc_Request, _ responder: TTRPCResponder) {
        guard request.service == Self.service else {
            return responder.fail(code: 12, message: "service \(request.service)")
        }
        let payload = request.payload
        log.debug("\(request.method) request")
        switch request.method {
        case "State": answer(payload, responder, state)
        case "Create": answer(payload, responder, create)
        case "Start": answer(payload, responder, start)
        case "Delete": answer(payload, responder, delete)
        case "Pids": answer(payload, responder, pids)
        case "Pause": answer(payload, responder, pause)
        case "Resume": answer(payload, responder, resume)
        case "Checkpoint": answer(payload, responder, checkpoint)
        case "Kill": answer(payload, responder, kill)
        case "Exec": answer(payload, responder, exec)
        case "ResizePty": answer(payload, responder, resizePty)
        case "CloseIO": answer(payload, responder, closeIO)
        case "Update": answer(payload, responder, update)
        case "Stats": answer(payload, responder, stats)
        case "Connect": answer(payload, responder, connect)
        case "Shutdown": answer(payload, responder, shutdown)
        case "Wait":
            do {
                try wait(try decode(payload), responder)
            } catch {
                responder.fail(error)
            }
        default:
            responder.fail(code: 12, message: "method \(request.method)")
        }
    }

    private func decode<Request: SwiftProtobuf.Message>(_ payload: Data) throws(ShimError) -> Request {
        do {
            return try Request(serializedBytes: payload)
        } catch {
            throw ShimError(.internal, "ttrpc: error unmarshalling payload: \(error)")
        }
    }

    private func answer<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ payload: Data, _ responder: TTRPCResponder, _ method: (Request) throws(ShimError) -> Response
    ) {
        do {
            responder.succeed(try method(try decode(payload)))
        } catch {
            log.debug("request failed: \(error.wireMessage)")
            responder.fail(error)
        }
    }

    /// The process a request names: the init for an empty exec id.
    func process(_ id: String, _ execID: String) throws(ShimError) -> ShimProcess {
        guard let initProcess, id == containerID else { throw ShimError.notFound("container \(id)") }
        if execID.isEmpty { return initProcess }
        guard let exec = execs[execID] else { throw ShimError.notFound("process \(execID) does not exist") }
        return exec
    }

    func process(withPID pid: Int32) -> ShimProcess? {
        guard pid > 0 else { return nil }
        // A live process first: a reused pid may still name an exec that exited long ago.
        if let initProcess, initProcess.pid == pid, !initProcess.hasExited { return initProcess }
        return execs.values.first { $0.pid == pid && !$0.hasExited }
    }

    /// Gives a freshly started process its pid, and its exit if that was reaped already.
    func register(_ process: ShimProcess, pid: Int32) {
        process.pid = pid
        if let exit = unclaimedExits.removeValue(forKey: pid) {
            processExited(process, status: exit.status, at: exit.at)
        }
    }

    func requireRunc() throws(ShimError) -> Runc {
        guard let runc else { throw ShimError.notFound("container \(config.id)") }
        return runc
    }
}
