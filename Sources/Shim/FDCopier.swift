import Glibc

/// Copies bytes from one descriptor to another on the event loop without blocking it: read while the
/// buffer is empty, write while it is not (a full fifo parks the copy, and so, in turn, the container).
final class FDCopier {
    let source: Int32
    let destination: Int32
    private let loop: EventLoop
    private let closeSource: Bool
    private let closeDestination: Bool
    private let onFinish: () -> Void
    private var sourceToken: Int?
    private var destinationToken: Int?
    private var pending: [UInt8] = []
    private(set) var isFinished = false
    /// Set by CloseIO: stop at the first moment nothing is left to read instead of waiting for EOF.
    private var stopWhenDrained = false

    init(
        from source: Int32, to destination: Int32, loop: EventLoop, closeSource: Bool, closeDestination: Bool,
        onFinish: @escaping () -> Void = {}
    ) {
        self.source = source
        self.destination = destination
        self.loop = loop
        self.closeSource = closeSource
        self.closeDestination = closeDestination
        self.onFinish = onFinish
        Sys.setNonBlocking(source)
        Sys.setNonBlocking(destination)
        watchSource()
    }

    private func watchSource() {
        if let destinationToken { loop.unwatch(destinationToken); self.destinationToken = nil }
        guard sourceToken == nil else { return }
        sourceToken = loop.watch(source, Int16(POLLIN)) { [unowned self] _ in self.readSome() }
    }

    private func watchDestination() {
        if let sourceToken { loop.unwatch(sourceToken); self.sourceToken = nil }
        guard destinationToken == nil else { return }
        destinationToken = loop.watch(destination, Int16(POLLOUT)) { [unowned self] _ in self.writePending() }
    }

    private func readSome() {
        var chunk = [UInt8](repeating: 0, count: 32 << 10)
        let count = read(source, &chunk, chunk.count)
        if count > 0 {
            pending = Array(chunk[0..<count])
            writePending()
        } else if count < 0 && errno == EINTR {
            return
        } else if count < 0 && errno == EAGAIN {
            if stopWhenDrained { finish() }
        } else {
            // EOF, or EIO from a pty master whose terminal side closed: the process is done writing.
            finish()
        }
    }

    private func writePending() {
        switch flushPending() {
        case .blocked: return watchDestination()
        case .readerGone: return finish()
        case .flushed: break
        }
        if stopWhenDrained { return drainThenFinish() }
        watchSource()
    }

    private enum Flush { case flushed, blocked, readerGone }

    /// Writes what is pending until it is all written or the destination is full.
    private func flushPending() -> Flush {
        while !pending.isEmpty {
            let written = pending.withUnsafeBytes { write(destination, $0.baseAddress, $0.count) }
            if written > 0 {
                pending.removeFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && errno == EAGAIN {
                return .blocked
            } else {
                // The reader is gone for good (a container that closed its stdin): nothing more to do.
                pending.removeAll()
                return .readerGone
            }
        }
        return .flushed
    }

    /// Copies what is left until the source's EOF, blocking the loop until `deadline` at most. Delete does this
    /// for an exited process, so its last output reaches the client before the task is gone (runc-v2 waits up
    /// to 2 s for its copies too); a grandchild still holding the pipe is what the deadline is for.
    func drain(until deadline: ContinuousClock.Instant) {
        var chunk = [UInt8](repeating: 0, count: 32 << 10)
        while !isFinished {
            if !pending.isEmpty {
                switch flushPending() {
                case .blocked: guard Self.wait(destination, for: Int16(POLLOUT), until: deadline) else { return }
                case .readerGone: return finish()
                case .flushed: break
                }
                continue
            }
            let count = read(source, &chunk, chunk.count)
            if count > 0 {
                pending = Array(chunk[0..<count])
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                guard Self.wait(source, for: Int16(POLLIN), until: deadline) else { return }
            } else {
                return finish()
            }
        }
    }

    /// Polls one descriptor until it is ready or the deadline passes; false when it passed.
    private static func wait(_ fd: Int32, for events: Int16, until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        let milliseconds = Int32(clamping: left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000 + 1)
        var descriptor = pollfd(fd: fd, events: events, revents: 0)
        return poll(&descriptor, 1, milliseconds) > 0
    }

    /// CloseIO on stdin: pass on what the client already wrote, then close.
    func stopWhenEmpty() {
        guard !isFinished else { return }
        stopWhenDrained = true
        if pending.isEmpty { drainThenFinish() }
    }

    private func drainThenFinish() {
        guard pending.isEmpty else { return }
        readSome()
    }

    func finish() {
        guard !isFinished else { return }
        isFinished = true
        if let sourceToken { loop.unwatch(sourceToken) }
        if let destinationToken { loop.unwatch(destinationToken) }
        sourceToken = nil
        destinationToken = nil
        if closeSource { close(source) }
        if closeDestination { close(destination) }
        onFinish()
    }
}
