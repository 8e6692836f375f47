import Synchronization

/// The server's running handler tasks, so that a closed connection, a passed deadline or the server's
/// close can cancel them, and close can wait for them to end.
///
/// An entry is made before its task exists (the task is attached right after it is created); a
/// cancellation that lands in between is remembered and applied on attach.
final class TTRPCInflightHandlers: Sendable {
    private struct Entry {
        var connection: UInt64
        var task: Task<Void, Never>?
        var cancelled = false
    }

    private struct State {
        var entries: [UInt64: Entry] = [:]
        var nextID: UInt64 = 0
        var idleWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<UInt64> = []
        var nextWaiterID: UInt64 = 0
    }

    private let state = Mutex(State())

    var count: Int { state.withLock { $0.entries.count } }

    func begin(connection: UInt64) -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = Entry(connection: connection)
            return state.nextID
        }
    }

    func attach(_ id: UInt64, task: Task<Void, Never>) {
        let cancelNow = state.withLock { state -> Bool in
            guard state.entries[id] != nil else { return false }  // already ended
            state.entries[id]?.task = task
            return state.entries[id]?.cancelled ?? false
        }
        if cancelNow { task.cancel() }
    }

    func end(_ id: UInt64) {
        let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.entries[id] = nil
            guard state.entries.isEmpty else { return [] }
            defer { state.idleWaiters = [:] }
            return Array(state.idleWaiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Cancels one handler (its deadline passed).
    func cancel(_ id: UInt64) {
        cancel { entryID, _ in entryID == id }
    }

    /// Cancels the handlers of a connection that went away: nobody is left to read their answers.
    func cancel(connection: UInt64) {
        cancel { _, entry in entry.connection == connection }
    }

    func cancelAll() {
        cancel { _, _ in true }
    }

    private func cancel(where matches: (UInt64, Entry) -> Bool) {
        let tasks = state.withLock { state -> [Task<Void, Never>] in
            var tasks: [Task<Void, Never>] = []
            for (id, entry) in state.entries where matches(id, entry) {
                state.entries[id]?.cancelled = true
                if let task = entry.task { tasks.append(task) }
            }
            return tasks
        }
        for task in tasks { task.cancel() }
    }

    /// Returns when no handler is running, or when the waiting task is cancelled.
    func waitUntilIdle() async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.entries.isEmpty || state.cancelledWaiters.remove(id) != nil { return true }
                    state.idleWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                if let waiter = state.idleWaiters.removeValue(forKey: id) { return waiter }
                state.cancelledWaiters.insert(id)
                return nil
            }
            waiter?.resume()
        }
    }

    /// Waits until idle, at most `limit`. Returns whether the server became idle.
    func waitUntilIdle(atMost limit: Duration) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilIdle() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
        return count == 0
    }
}
