import NIOCore
import Synchronization

/// Hands values from an event loop (the producer) to one async consumer: a stream's request parts to its
/// RPC, a connection's new streams to the task that runs them.
///
/// Used instead of `AsyncThrowingStream` (which swift-nio-http2's async multiplexer uses too): the standard
/// library's stream runs as unspecialized generic code, and instantiated about fifty generic types' metadata
/// on every RPC, a tenth of a small call's instructions (`bench/rpc_cost.py`). This one is specialized for
/// its element types within the module.
final class SingleConsumerQueue<Element: Sendable>: Sendable {

    private enum End {
        case finished
        case failed(any Error)
    }

    private struct State {
        var values = CircularBuffer<Element>(initialCapacity: 2)
        var end: End?
        var waiter: UnsafeContinuation<Element?, any Error>?

        /// What a consumer gets at the end: nil, or the failure the first time it is seen.
        mutating func takeEnd() -> Result<Element?, any Error> {
            guard case .failed(let error) = end else { return .success(nil) }
            end = .finished
            return .failure(error)
        }
    }

    private let state = Mutex(State())

    /// Hands a value to the waiting consumer, or buffers it. Values after the end are dropped.
    func yield(_ value: Element) {
        let waiter = state.withLock { state -> UnsafeContinuation<Element?, any Error>? in
            guard state.end == nil else { return nil }
            guard let waiter = state.waiter else {
                state.values.append(value)
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume(returning: value)
    }

    /// Ends the queue: the consumer gets the buffered values, then nil (or `error`, once). Only the first
    /// end counts.
    func finish(throwing error: (any Error)? = nil) {
        let resumption = state.withLock { state -> (UnsafeContinuation<Element?, any Error>, Result<Element?, any Error>)? in
            guard state.end == nil else { return nil }
            state.end = error.map { .failed($0) } ?? .finished
            guard let waiter = state.waiter else { return nil }
            state.waiter = nil
            return (waiter, state.takeEnd())
        }
        if let (waiter, result) = resumption { waiter.resume(with: result) }
    }

    /// The next value; nil once the queue has ended. A cancelled consumer gets `CancellationError`.
    func next() async throws -> Element? {
        try await withTaskCancellationHandler {
            try await withUnsafeThrowingContinuation { (continuation: UnsafeContinuation<Element?, any Error>) in
                let ready = state.withLock { state -> Result<Element?, any Error>? in
                    if let value = state.values.popFirst() { return .success(value) }
                    guard state.end != nil else {
                        state.waiter = continuation
                        return nil
                    }
                    return state.takeEnd()
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            finish(throwing: CancellationError())
        }
    }
}
