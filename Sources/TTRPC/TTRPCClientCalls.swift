import NIOCore
import Synchronization

/// A client connection's outstanding calls by stream id, and the tasks waiting for it to close.
///
/// Shared by the callers' tasks and the channel handler, so it sits behind a lock. A call is
/// reserved before its continuation exists, so that a cancellation, deadline or close that lands
/// first is remembered and delivered when the continuation arrives.
final class TTRPCClientCalls: Sendable {
    private enum Entry {
        case reserved
        case failedEarly(any Error)
        case waiting(CheckedContinuation<ByteBuffer, any Error>)
    }

    private struct State {
        var nextStreamID: UInt32 = 1
        var calls: [UInt32: Entry] = [:]
        var closed = false
        var nextWaiterID: UInt64 = 0
        var closeWaiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var cancelledWaiters: Set<UInt64> = []
    }

    private let state = Mutex(State())

    var isClosed: Bool { state.withLock { $0.closed } }

    /// A fresh stream id for a call; client ids are odd, from 1, increasing by 2 (wrapping as Go's uint32 does).
    func reserve() throws(TTRPCError) -> UInt32 {
        try state.withLock { state throws(TTRPCError) -> UInt32 in
            guard !state.closed else { throw TTRPCError.closed }
            var id = state.nextStreamID
            while state.calls[id] != nil { id &+= 2 }  // only after wrapping past a call that is still open
            state.nextStreamID = id &+ 2
            state.calls[id] = .reserved
            return id
        }
    }

    /// Parks the caller. Returns false if the call already failed, having resumed the continuation.
    func wait(_ id: UInt32, _ continuation: CheckedContinuation<ByteBuffer, any Error>) -> Bool {
        let early: (any Error)? = state.withLock { state in
            switch state.calls[id] {
            case .reserved:
                state.calls[id] = .waiting(continuation)
                return nil
            case .failedEarly(let error):
                state.calls[id] = nil
                return error
            case .waiting, nil:
                return TTRPCError.closed
            }
        }
        guard let early else { return true }
        continuation.resume(throwing: early)
        return false
    }

    /// Delivers a response payload; unknown ids (late answers to failed calls) are dropped.
    func complete(_ id: UInt32, with payload: ByteBuffer) {
        let continuation: CheckedContinuation<ByteBuffer, any Error>? = state.withLock { state in
            guard case .waiting(let continuation) = state.calls[id] else { return nil }
            state.calls[id] = nil
            return continuation
        }
        continuation?.resume(returning: payload)
    }

    /// Fails one call (deadline, cancellation, write error, oversized answer).
    func fail(_ id: UInt32, with error: any Error) {
        let continuation: CheckedContinuation<ByteBuffer, any Error>? = state.withLock { state in
            switch state.calls[id] {
            case .reserved:
                state.calls[id] = .failedEarly(error)
                return nil
            case .waiting(let continuation):
                state.calls[id] = nil
                return continuation
            case .failedEarly, nil:
                return nil
            }
        }
        continuation?.resume(throwing: error)
    }

    /// The connection is gone: fails every call with Unavailable and wakes closeFuture() waiters.
    func close() {
        let (calls, waiters) = state.withLock { state in
            state.closed = true
            var continuations: [CheckedContinuation<ByteBuffer, any Error>] = []
            for (id, entry) in state.calls {
                switch entry {
                case .reserved: state.calls[id] = .failedEarly(TTRPCError.closed)
                case .waiting(let continuation):
                    continuations.append(continuation)
                    state.calls[id] = nil
                case .failedEarly: break
                }
            }
            let waiters = Array(state.closeWaiters.values)
            state.closeWaiters = [:]
            state.cancelledWaiters = []
            return (continuations, waiters)
        }
        for continuation in calls { continuation.resume(throwing: TTRPCError.closed) }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once close() has run, or when the waiting task is cancelled.
    func waitForClose() async {
        let id = state.withLock { state in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.closed || state.cancelledWaiters.remove(id) != nil { return true }
                    state.closeWaiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let waiter: CheckedContinuation<Void, Never>? = state.withLock { state in
                if let waiter = state.closeWaiters.removeValue(forKey: id) { return waiter }
                if !state.closed { state.cancelledWaiters.insert(id) }
                return nil
            }
            waiter?.resume()
        }
    }
}
