import Synchronization

/// A one-shot signal between a test and its handlers: wait() returns once open() has been called.
final class Gate: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    var isOpen: Bool { state.withLock { $0.isOpen } }

    func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { state in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Waits at most `limit`; returns whether the gate opened. Polls, so that a gate nobody opens
    /// cannot hang the test.
    func wait(atMost limit: Duration) async -> Bool {
        let clock = ContinuousClock()
        let end = clock.now.advanced(by: limit)
        while !isOpen && clock.now < end {
            try? await Task.sleep(for: .milliseconds(10))
        }
        return isOpen
    }
}
