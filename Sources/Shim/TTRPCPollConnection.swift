import BerthAPI
import Glibc

/// One client connection to the shim's ttrpc socket (the daemon, or a `ctr`-side containerd): frames in,
/// requests handed to the server's dispatcher, responses queued and written as the socket takes them.
final class TTRPCPollConnection {
    typealias Dispatch = (_ request: Ttrpc_Request, _ responder: TTRPCResponder) -> Void

    private let fd: Int32
    private let loop: EventLoop
    private let dispatch: Dispatch
    private let onClose: (TTRPCPollConnection) -> Void
    private var token = 0
    private var input: [UInt8] = []
    private var output: [UInt8] = []
    private(set) var isClosed = false

    init(fd: Int32, loop: EventLoop, dispatch: @escaping Dispatch, onClose: @escaping (TTRPCPollConnection) -> Void) {
        self.fd = fd
        self.loop = loop
        self.dispatch = dispatch
        self.onClose = onClose
        token = loop.watch(fd, Int16(POLLIN)) { [unowned self] revents in self.ready(revents) }
    }

    private func ready(_ revents: Int16) {
        if revents & Int16(POLLOUT) != 0 { flush() }
        if !isClosed && revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 { receive() }
    }

    private func receive() {
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        let count = read(fd, &chunk, chunk.count)
        if count < 0 && (errno == EAGAIN || errno == EINTR) { return }
        guard count > 0 else { return close() }
        input.append(contentsOf: chunk[0..<count])
        var offset = 0
        while !isClosed {
            switch TTRPCFraming.decode(input[offset...]) {
            case .needMore:
                input.removeFirst(offset)
                return
            case .oversized(let streamID, let length):
                // The stream of frames cannot be resynchronised cheaply: say why, then hang up.
                TTRPCResponder(connection: self, streamID: streamID).fail(
                    code: 8, message: "message length \(length) exceed maximum message size of \(TTRPCFraming.maxPayloadLength)")
                flushBlocking()
                return close()
            case .frame(let frame, let consumed):
                offset += consumed
                handle(frame)
            }
        }
    }

    private func handle(_ frame: TTRPCFraming.Frame) {
        // Other message types (streams) are not used by the Task service; ignored as ttrpc-go does.
        guard frame.type == TTRPCFraming.MessageType.request.rawValue else { return }
        let responder = TTRPCResponder(connection: self, streamID: frame.streamID)
        guard frame.streamID % 2 == 1 else {
            return responder.fail(code: 3, message: "StreamID must be odd for client initiated streams")
        }
        guard let request = try? Ttrpc_Request(serializedBytes: frame.payload) else {
            return responder.fail(code: 3, message: "unmarshal request error")
        }
        dispatch(request, responder)
    }

    func send(_ frame: TTRPCFraming.Frame) {
        guard !isClosed else { return }
        output.append(contentsOf: TTRPCFraming.encode(frame))
        flush()
    }

    private func flush() {
        while !output.isEmpty {
            let written = output.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            if written < 0 && errno == EAGAIN { break }
            guard written > 0 else { return close() }
            output.removeFirst(written)
        }
        loop.setEvents(token, Int16(output.isEmpty ? POLLIN : POLLIN | POLLOUT))
    }

    /// Before the shim exits: the last answers (Shutdown's) must reach the client.
    func flushBlocking() {
        guard !isClosed, !output.isEmpty else { return }
        Sys.setBlocking(fd)
        _ = Sys.writeAll(fd, output)
        output.removeAll()
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        loop.unwatch(token)
        Glibc.close(fd)
        onClose(self)
    }
}
