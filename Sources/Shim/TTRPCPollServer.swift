import BerthAPI
import Glibc

/// The shim's ttrpc server on its listening socket: accepts connections and hands each request to `dispatch`.
/// Unlike the daemon's NIO server it runs on the shim's single event loop.
final class TTRPCPollServer {
    private let listener: Int32
    private let loop: EventLoop
    private let dispatch: TTRPCPollConnection.Dispatch
    private var token = 0
    private var connections: [ObjectIdentifier: TTRPCPollConnection] = [:]

    init(listener: Int32, loop: EventLoop, dispatch: @escaping TTRPCPollConnection.Dispatch) {
        self.listener = listener
        self.loop = loop
        self.dispatch = dispatch
        Sys.setNonBlocking(listener)
        token = loop.watch(listener, Int16(POLLIN)) { [unowned self] _ in self.acceptAll() }
    }

    private func acceptAll() {
        while true {
            let fd = UnixSocket.accept(listener)
            guard fd >= 0 else { return }
            let connection = TTRPCPollConnection(fd: fd, loop: loop, dispatch: dispatch) { [unowned self] closed in
                self.connections[ObjectIdentifier(closed)] = nil
            }
            connections[ObjectIdentifier(connection)] = connection
        }
    }

    /// Writes out pending answers and stops listening (the shim is about to exit).
    func shutdown() {
        loop.unwatch(token)
        close(listener)
        for connection in connections.values { connection.flushBlocking() }
    }
}
