import BerthCore
import Distribution
import Synchronization

/// One pull running in the daemon, independent of the requests that watch it: a client that goes away
/// stops watching, not pulling. Watchers read snapshots of the progress whenever it changes.
public final class PullJob: Sendable {
    public struct Snapshot: Sendable, Equatable {
        /// The latest state of each ref, in the order they first appeared.
        public var blobs: [TransferProgress]
        /// "unpacking" once the layers are being committed.
        public var phase: String
    }

    private struct State {
        var order: [String] = []
        var latest: [String: TransferProgress] = [:]
        var phase = ""
        var finished = false
        var watchers: [Int: AsyncStream<Void>.Continuation] = [:]
        var nextWatcher = 0
        var task: Task<PullOutcome, any Error>?
    }

    private let state = Mutex(State())

    init() {}

    /// Runs `body` as the job's work, detached from whoever asked for it.
    func start(_ body: @escaping @Sendable (PullJob) async throws -> PullOutcome) {
        let task = Task { [self] in
            defer {
                finish()
                HeapTrimmer.trimSoon()
            }
            return try await body(self)
        }
        state.withLock { $0.task = task }
    }

    /// The pull's result, once it is done (or its error).
    public func outcome() async throws -> PullOutcome {
        guard let task = state.withLock({ $0.task }) else { throw BerthError(.unknown, "pull job was never started") }
        return try await task.value
    }

    public func snapshot() -> Snapshot {
        state.withLock { state in
            Snapshot(blobs: state.order.compactMap { state.latest[$0] }, phase: state.phase)
        }
    }

    /// A signal for every change (coalesced); it ends when the job ends.
    public func changes() -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        continuation.yield()
        let id = state.withLock { state -> Int? in
            guard !state.finished else { return nil }
            let id = state.nextWatcher
            state.nextWatcher += 1
            state.watchers[id] = continuation
            return id
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in
            _ = self?.state.withLock { $0.watchers.removeValue(forKey: id) }
        }
        return stream
    }

    func report(_ progress: TransferProgress) {
        notify { state in
            if state.latest.updateValue(progress, forKey: progress.ref) == nil { state.order.append(progress.ref) }
        }
    }

    func setPhase(_ phase: String) {
        notify { $0.phase = phase }
    }

    private func finish() {
        let watchers = state.withLock { state -> [AsyncStream<Void>.Continuation] in
            state.finished = true
            defer { state.watchers = [:] }
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.finish() }
    }

    private func notify(_ change: (inout State) -> Void) {
        let watchers = state.withLock { state -> [AsyncStream<Void>.Continuation] in
            change(&state)
            return Array(state.watchers.values)
        }
        for watcher in watchers { watcher.yield() }
    }
}

/// What a finished pull stored.
public struct PullOutcome: Sendable {
    public var image: String
    public var target: Descriptor
    public var bytesFetched: Int64
    /// The unpacked top layer's chain ID, when unpacked.
    public var chainID: String?
    public var snapshotter: String
    public var layersStreamed: Int
    public var layersAppliedAfter: Int
}
