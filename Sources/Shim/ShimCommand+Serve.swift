import Glibc

extension ShimCommand {
    /// The server: a child subreaper serving the Task API on the inherited listener (fd 3) until Shutdown.
    static func serve(_ config: ShimConfig) throws(ShimError) {
        if !Sys.setChildSubreaper() { throw ShimError.system("prctl(PR_SET_CHILD_SUBREAPER)") }
        // Writes to a fifo or socket whose reader left must fail, not kill the shim.
        signal(SIGPIPE, SIG_IGN)
        let bundle = currentDirectory()
        let log = ShimLog.open(bundle: bundle, debug: config.debug)
        // The runtime's crash reports (stderr) then reach the daemon's log too.
        if log.descriptor >= 0 { dup2(log.descriptor, 2) }
        let listener: Int32 = 3
        guard fcntl(listener, F_GETFD) >= 0 else { throw ShimError(.invalidArgument, "no listening socket on fd 3") }
        _ = fcntl(listener, F_SETFD, FD_CLOEXEC)

        let loop = EventLoop()
        let events = EventForwarder(address: config.ttrpcAddress, namespace: config.namespace, loop: loop, log: log)
        let service = ShimService(config: config, loop: loop, events: events, log: log)
        let signals = try SignalPipe()
        loop.watch(signals.readEnd, Int16(POLLIN)) { _ in
            signals.drain()
            service.reapExited()
        }
        let server = TTRPCPollServer(listener: listener, loop: loop, dispatch: service.dispatch)
        service.onShutdown = {
            server.shutdown()
            // The last events (exit, delete) should reach the daemon before the shim goes.
            events.drain(timeoutMilliseconds: 2000)
            if !config.socket.isEmpty { unlink(config.socket) }
            loop.stop()
        }
        log.debug("serving \(config.id) in \(bundle)")
        loop.run()
    }
}
