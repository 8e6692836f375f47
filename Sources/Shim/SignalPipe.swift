import Glibc

/// The descriptor the signal handler writes to; set once before the handler is installed.
nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Turns SIGCHLD into a readable byte on a pipe that the event loop watches (the self-pipe trick),
/// so that reaping happens on the loop, between handlers, never inside one.
final class SignalPipe {
    let readEnd: Int32

    init() throws(ShimError) {
        let (readEnd, writeEnd) = try Sys.pipe()
        Sys.setNonBlocking(readEnd)
        Sys.setNonBlocking(writeEnd)
        self.readEnd = readEnd
        signalPipeWriteEnd = writeEnd
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { signal in
            var byte = UInt8(truncatingIfNeeded: signal)
            let saved = errno
            _ = write(signalPipeWriteEnd, &byte, 1)
            errno = saved
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART | SA_NOCLDSTOP
        guard sigaction(SIGCHLD, &action, nil) == 0 else { throw ShimError.system("sigaction") }
    }

    /// Empties the pipe; the caller then reaps everything that has exited.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }
}
