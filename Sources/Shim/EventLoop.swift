import Glibc

/// The shim's only thread: poll(2) over every descriptor it watches (ttrpc connections, the signal pipe,
/// the copies between a container's pipes and its fifos), plus one-shot timers. Handlers run one at a time,
/// so nothing here needs a lock, and a shim costs no thread per container.
final class EventLoop {
    typealias Handler = (_ revents: Int16) -> Void

    private struct Watch {
        var fd: Int32
        var events: Int16
        var handler: Handler
    }

    private struct Timer {
        var deadline: Int64
        var action: () -> Void
    }

    private var watches: [Int: Watch] = [:]
    private var timers: [Int: Timer] = [:]
    private var nextToken = 1
    private var stopped = false

    /// Calls `handler` whenever `fd` has any of `events` (POLLHUP and POLLERR are always reported).
    @discardableResult
    func watch(_ fd: Int32, _ events: Int16, _ handler: @escaping Handler) -> Int {
        let token = nextToken
        nextToken += 1
        watches[token] = Watch(fd: fd, events: events, handler: handler)
        return token
    }

    func setEvents(_ token: Int, _ events: Int16) {
        watches[token]?.events = events
    }

    func unwatch(_ token: Int) {
        watches[token] = nil
    }

    @discardableResult
    func after(milliseconds: Int, _ action: @escaping () -> Void) -> Int {
        let token = nextToken
        nextToken += 1
        timers[token] = Timer(deadline: Sys.monotonicMilliseconds() + Int64(milliseconds), action: action)
        return token
    }

    func cancelTimer(_ token: Int) {
        timers[token] = nil
    }

    func stop() { stopped = true }

    func run() {
        while !stopped { runOnce(maxWaitMilliseconds: -1) }
    }

    /// One poll and the handlers it wakes; `maxWaitMilliseconds` < 0 waits for the next timer or event.
    func runOnce(maxWaitMilliseconds: Int) {
        let tokens = Array(watches.keys)
        var fds = tokens.map { pollfd(fd: watches[$0]?.fd ?? -1, events: watches[$0]?.events ?? 0, revents: 0) }
        var timeout = maxWaitMilliseconds
        if let next = timers.values.map(\.deadline).min() {
            let wait = Int(max(0, next - Sys.monotonicMilliseconds()))
            timeout = timeout < 0 ? wait : min(timeout, wait)
        }
        let ready = poll(&fds, nfds_t(fds.count), Int32(clamping: timeout))
        if ready < 0 && errno != EINTR { Sys.sleepMilliseconds(10) }
        if ready > 0 {
            for (index, token) in tokens.enumerated() where fds[index].revents != 0 {
                // A handler may have removed or replaced this watch already.
                guard let watch = watches[token], watch.fd == fds[index].fd else { continue }
                watch.handler(fds[index].revents)
                if stopped { return }
            }
        }
        let now = Sys.monotonicMilliseconds()
        for (token, timer) in timers where timer.deadline <= now {
            guard timers.removeValue(forKey: token) != nil else { continue }
            timer.action()
        }
    }
}
