import BerthCore
import Dispatch
import Foundation
import NIOCore

/// Hands a layer's async byte stream to a blocking reader on a BlockingThread: `read` waits on its own
/// thread while a task fetches the next chunk. Used by one thread at a time.
final class BlockingStreamReader: @unchecked Sendable {
    private let next: @Sendable () async throws -> ByteBuffer?
    private var current = ByteBuffer()
    private var ended = false

    init(next: @escaping @Sendable () async throws -> ByteBuffer?) {
        self.next = next
    }

    /// Up to `buffer.count` bytes; 0 at the end of the stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while current.readableBytes == 0 {
            guard !ended, let chunk = try fetch() else {
                ended = true
                return 0
            }
            current = chunk
        }
        let count = min(buffer.count, current.readableBytes)
        current.readWithUnsafeReadableBytes { source in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[..<count]))
            return count
        }
        return count
    }

    /// Reads to the end: the stream ends normally only once every byte arrived and matched its digest.
    func drain() throws {
        current.clear()
        while !ended {
            guard try fetch() != nil else { ended = true; return }
        }
    }

    private func fetch() throws -> ByteBuffer? {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        let next = self.next
        Task {
            do {
                box.result = .success(try await next())
            } catch {
                box.result = .failure(error)
            }
            done.signal()
        }
        done.wait()
        return try box.result.get()
    }

    /// Written by the task before it signals, read by the thread after it waited.
    private final class ResultBox: @unchecked Sendable {
        var result: Result<ByteBuffer?, any Error> = .success(nil)
    }
}
