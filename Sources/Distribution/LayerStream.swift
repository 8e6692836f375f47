import BerthCore
import NIOCore
import OCI
import Synchronization

/// A layer's bytes as the puller downloads them, for a caller that applies layers while they
/// arrive. It ends normally only after the whole blob arrived and matched its digest; it throws
/// if the download fails. It holds at most `bufferLimit` bytes: a consumer that falls behind
/// slows the download (and one that stops reading for longer than the stall timeout makes the
/// puller reconnect and resume, which the consumer does not see). Iterate it once.
public final class LayerStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    public let descriptor: OCIDescriptor
    let bufferLimit: Int

    private struct State {
        var buffered: [ByteBuffer] = []
        var bufferedBytes = 0
        var ended: Result<Void, any Error>?
        var consumerGone = false
        var consumerError: (any Error)?
        var deliveredAll = false
        var consumer: CheckedContinuation<ByteBuffer?, any Error>?
        var producer: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    init(descriptor: OCIDescriptor, bufferLimit: Int = 8 << 20) {
        self.descriptor = descriptor
        self.bufferLimit = bufferLimit
    }

    /// Whether the consumer read to the verified end.
    var deliveredAll: Bool { state.withLock { $0.deliveredAll } }

    // MARK: producer

    /// Hands bytes to the consumer, waiting while its buffer is full. Dropped once the consumer
    /// returned; throws the consumer's error if it failed, so the download stops too.
    func send(_ buffer: ByteBuffer) async throws {
        let (mustWait, failure): (Bool, (any Error)?) = state.withLock { state in
            if let error = state.consumerError { return (false, error) }
            if state.consumerGone || state.ended != nil { return (false, nil) }
            if let consumer = state.consumer {
                state.consumer = nil
                consumer.resume(returning: buffer)
                return (false, nil)
            }
            state.buffered.append(buffer)
            state.bufferedBytes += buffer.readableBytes
            return (state.bufferedBytes > bufferLimit, nil)
        }
        if let failure { throw failure }
        guard mustWait else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { state -> Bool in
                    if state.consumerGone || state.bufferedBytes <= bufferLimit || Task.isCancelled { return true }
                    state.producer = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                let producer = state.producer
                state.producer = nil
                return producer
            }?.resume()
        }
        if let error = state.withLock({ $0.consumerError }) { throw error }
    }

    /// Ends the stream: normally (all bytes sent and verified) or with the download's error.
    func finish(_ result: Result<Void, any Error>) {
        let consumer = state.withLock { state -> CheckedContinuation<ByteBuffer?, any Error>? in
            guard state.ended == nil else { return nil }
            state.ended = result
            let consumer = state.consumer
            state.consumer = nil
            if consumer != nil, case .success = result { state.deliveredAll = true }
            return consumer
        }
        guard let consumer else { return }
        switch result {
        case .success: consumer.resume(returning: nil)
        case .failure(let error): consumer.resume(throwing: error)
        }
    }

    /// The consumer returned (or threw `error`): later bytes are dropped and a waiting producer goes on.
    func consumerFinished(_ error: (any Error)? = nil) {
        state.withLock { state in
            state.consumerGone = true
            state.consumerError = error
            state.buffered.removeAll()
            state.bufferedBytes = 0
            let producer = state.producer
            state.producer = nil
            return producer
        }?.resume()
    }

    // MARK: consumer

    public func makeAsyncIterator() -> Iterator { Iterator(stream: self) }

    public struct Iterator: AsyncIteratorProtocol {
        let stream: LayerStream

        public mutating func next() async throws -> ByteBuffer? {
            try await stream.receive()
        }
    }

    private enum Immediate {
        case value(ByteBuffer?)
        case failure(any Error)
        case wait
    }

    private func receive() async throws -> ByteBuffer? {
        if Task.isCancelled { throw BerthError(.canceled, "operation canceled") }
        let immediate = state.withLock { state -> (Immediate, CheckedContinuation<Void, Never>?) in
            if !state.buffered.isEmpty {
                let buffer = state.buffered.removeFirst()
                state.bufferedBytes -= buffer.readableBytes
                var producer: CheckedContinuation<Void, Never>?
                if state.bufferedBytes <= bufferLimit {
                    producer = state.producer
                    state.producer = nil
                }
                return (.value(buffer), producer)
            }
            switch state.ended {
            case .success?:
                state.deliveredAll = true
                return (.value(nil), nil)
            case .failure(let error)?:
                return (.failure(error), nil)
            case nil:
                return (.wait, nil)
            }
        }
        immediate.1?.resume()
        switch immediate.0 {
        case .value(let buffer): return buffer
        case .failure(let error): throw error
        case .wait: break
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer?, any Error>) in
                let ready = state.withLock { state -> Result<ByteBuffer?, any Error>? in
                    if Task.isCancelled { return .failure(BerthError(.canceled, "operation canceled")) }
                    if !state.buffered.isEmpty {
                        let buffer = state.buffered.removeFirst()
                        state.bufferedBytes -= buffer.readableBytes
                        return .success(buffer)
                    }
                    switch state.ended {
                    case .success?:
                        state.deliveredAll = true
                        return .success(nil)
                    case .failure(let error)?:
                        return .failure(error)
                    case nil:
                        state.consumer = continuation
                        return nil
                    }
                }
                if let ready { continuation.resume(with: ready) }
            }
        } onCancel: {
            state.withLock { state in
                let consumer = state.consumer
                state.consumer = nil
                return consumer
            }?.resume(throwing: BerthError(.canceled, "operation canceled"))
        }
    }
}
