import BerthAPI
// Data only (the generated messages' bytes fields): not Foundation, which costs a shim ~8 MB.
import FoundationEssentials
import Glibc
import SwiftProtobuf

/// Publishes task events to the daemon: `containerd.services.events.ttrpc.v1.Events/Forward` over ttrpc at
/// TTRPC_ADDRESS, in order, each in an Envelope stamped when it happened. A daemon that is away (restarting)
/// does not hold the shim up: events wait in a bounded queue and are retried once a second for a while,
/// then dropped (the daemon reads exits back through State and Wait when it reconnects).
final class EventForwarder {
    static let service = "containerd.services.events.ttrpc.v1.Events"
    static let maxQueued = 512
    static let maxAttempts = 120

    private struct Pending {
        var request: Ttrpc_Request
        var attempts = 0
    }

    private let socketPath: String
    private let namespace: String
    private let loop: EventLoop
    private let log: ShimLog
    private var queue: [Pending] = []
    private var sent: [UInt32: Pending] = [:]
    private var fd: Int32 = -1
    private var token = 0
    private var nextStreamID: UInt32 = 1
    private var retryTimer: Int?
    private var input: [UInt8] = []
    private var output: [UInt8] = []

    init(address: String, namespace: String, loop: EventLoop, log: ShimLog) {
        socketPath = UnixSocket.path(fromAddress: address)
        self.namespace = namespace
        self.loop = loop
        self.log = log
    }

    /// Events not yet acknowledged by the daemon.
    var backlog: Int { queue.count + sent.count }

    func publish(_ topic: String, _ event: some SwiftProtobuf.Message) {
        guard !socketPath.isEmpty else { return }
        guard let payload = try? Self.any(event) else { return }
        let forward = Containerd_Services_Events_Ttrpc_V1_ForwardRequest.with {
            $0.envelope.timestamp = .now()
            $0.envelope.namespace = namespace
            $0.envelope.topic = topic
            $0.envelope.event = payload
        }
        guard let bytes: [UInt8] = try? forward.serializedBytes() else { return }
        let request = Ttrpc_Request.with {
            $0.service = Self.service
            $0.method = "Forward"
            $0.payload = Data(bytes)
            $0.metadata = [Ttrpc_KeyValue.with { $0.key = "containerd-namespace-ttrpc"; $0.value = namespace }]
        }
        if queue.count >= Self.maxQueued {
            log.write("event queue full, dropping the oldest")
            queue.removeFirst()
        }
        queue.append(Pending(request: request))
        pump()
    }

    /// containerd's typeurl: the Any's type URL is the bare proto name.
    static func any(_ message: some SwiftProtobuf.Message) throws -> Google_Protobuf_Any {
        var any = Google_Protobuf_Any()
        any.typeURL = type(of: message).protoMessageName
        let bytes: [UInt8] = try message.serializedBytes()
        any.value = Data(bytes)
        return any
    }

    private func pump() {
        guard retryTimer == nil, !queue.isEmpty else { return }
        if fd < 0 && !connect() { return scheduleRetry() }
        for var pending in queue {
            let id = nextStreamID
            nextStreamID &+= 2
            pending.attempts += 1
            guard let bytes: [UInt8] = try? pending.request.serializedBytes() else { continue }
            output.append(contentsOf: TTRPCFraming.encode(.init(
                streamID: id, type: TTRPCFraming.MessageType.request.rawValue, payload: bytes)))
            sent[id] = pending
        }
        queue.removeAll()
        flush()
    }

    private func connect() -> Bool {
        guard let connected = try? UnixSocket.connect(socketPath) else { return false }
        fd = connected
        Sys.setNonBlocking(fd)
        token = loop.watch(fd, Int16(POLLIN)) { [unowned self] revents in self.ready(revents) }
        return true
    }

    private func scheduleRetry() {
        // Give up on events that have waited too long; keep the order of the rest.
        queue.removeAll { $0.attempts >= Self.maxAttempts }
        for index in queue.indices { queue[index].attempts += 1 }
        guard !queue.isEmpty, retryTimer == nil else { return }
        retryTimer = loop.after(milliseconds: 1000) { [unowned self] in
            self.retryTimer = nil
            self.pump()
        }
    }

    private func ready(_ revents: Int16) {
        if revents & Int16(POLLOUT) != 0 { flush() }
        guard fd >= 0, revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 16 << 10)
        let count = read(fd, &chunk, chunk.count)
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard count > 0 else { return disconnect() }
        input.append(contentsOf: chunk[0..<count])
        var offset = 0
        while case .frame(let frame, let consumed) = TTRPCFraming.decode(input[offset...]) {
            offset += consumed
            guard frame.type == TTRPCFraming.MessageType.response.rawValue,
                sent.removeValue(forKey: frame.streamID) != nil
            else { continue }
            if let response = try? Ttrpc_Response(serializedBytes: frame.payload), response.status.code != 0 {
                log.write("event rejected: \(response.status.message)")
            }
        }
        input.removeFirst(offset)
    }

    private func flush() {
        while fd >= 0 && !output.isEmpty {
            let written = output.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EAGAIN { break }
            guard written > 0 else { return disconnect() }
            output.removeFirst(written)
        }
        if fd >= 0 { loop.setEvents(token, Int16(output.isEmpty ? POLLIN : POLLIN | POLLOUT)) }
    }

    /// The daemon went away: what it did not acknowledge goes back to the front of the queue.
    private func disconnect() {
        loop.unwatch(token)
        close(fd)
        fd = -1
        input.removeAll()
        output.removeAll()
        let unacknowledged = sent.sorted { $0.key < $1.key }.map(\.value)
        sent.removeAll()
        queue = unacknowledged + queue
        scheduleRetry()
    }

    /// Before exit: a bounded, blocking last attempt to hand over what is queued (the delete event).
    func drain(timeoutMilliseconds: Int) {
        let deadline = Sys.monotonicMilliseconds() + Int64(timeoutMilliseconds)
        if let retryTimer { loop.cancelTimer(retryTimer); self.retryTimer = nil; pump() }
        while backlog > 0 && fd >= 0 && Sys.monotonicMilliseconds() < deadline {
            loop.runOnce(maxWaitMilliseconds: 50)
        }
    }
}
