import ContentStore
import Dispatch
import Foundation
import Synchronization

/// Lets a Write stream answer a chunk once it is hashed, while earlier chunks are still being written.
///
/// ctr sends a megabyte, then waits for the answer before it sends the next; with the write in line the
/// client and the daemon took turns. The answer needs the digest so far, so a chunk is hashed before it is
/// answered, but on a queue of its own: the event loop meanwhile receives the next chunks (the berth CLI sends
/// ahead), and hashing at about 1 GB/s is most of an ingest's CPU. The write to the file runs in order on a
/// third queue, at most `maxPendingBytes` behind, so hashing never waits for the disk. A failed write fails
/// the stream's next message or its commit (`ContentWriter.accept`).
final class IngestPipeline: Sendable {
    static let maxPendingBytes = 8 << 20

    private struct State {
        var pendingBytes = 0
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let writer: ContentWriter
    private let hashQueue = DispatchQueue(label: "berth.ingest-hashes")
    private let writeQueue = DispatchQueue(label: "berth.ingest-writes")
    private let state = Mutex(State())

    init(writer: ContentWriter) {
        self.writer = writer
    }

    /// Returns once `data` is hashed and counted as written; its write to the file follows.
    func write(_ data: Data) async throws {
        while !reserve(data.count) { await waitForAWrite() }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            hashQueue.async { [writer, writeQueue] in
                do {
                    try data.withUnsafeBytes { try writer.accept($0) }
                } catch {
                    self.release(data.count)
                    return continuation.resume(throwing: error)
                }
                writeQueue.async {
                    data.withUnsafeBytes { writer.writeAccepted($0) }
                    self.release(data.count)
                }
                continuation.resume()
            }
        }
    }

    /// Returns once every accepted chunk is in the file (or failed, which the writer then reports).
    func drain() async {
        while state.withLock({ $0.pendingBytes }) > 0 { await waitForAWrite() }
    }

    /// Returns after the next chunk is written, or at once if none is pending.
    private func waitForAWrite() async {
        await withCheckedContinuation { continuation in
            let wait = state.withLock { state -> Bool in
                guard state.pendingBytes > 0 else { return false }
                state.waiters.append(continuation)
                return true
            }
            if !wait { continuation.resume() }
        }
    }

    private func reserve(_ count: Int) -> Bool {
        state.withLock { state in
            guard state.pendingBytes == 0 || state.pendingBytes + count <= Self.maxPendingBytes else { return false }
            state.pendingBytes += count
            return true
        }
    }

    private func release(_ count: Int) {
        let waiting = state.withLock { state in
            state.pendingBytes -= count
            defer { state.waiters.removeAll() }
            return state.waiters
        }
        for waiter in waiting { waiter.resume() }
    }
}
