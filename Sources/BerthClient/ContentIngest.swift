import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Synchronization

/// An open ingest over the content service's Write stream, driven call by call (write, then commit or
/// abort), for producers that push data as it arrives (a registry download) rather than hand over a source.
/// The stream runs in its own task; each call is one lock-step request and reply.
public final class ContentIngest: Sendable {
    typealias Request = Containerd_Services_Content_V1_WriteContentRequest
    typealias Response = Containerd_Services_Content_V1_WriteContentResponse

    private struct Step: Sendable {
        var request: Request
        var reply: CheckedContinuation<Response, any Error>
    }

    public let ref: String
    /// Bytes the server already holds for this ref (a resumed ingest): the producer continues from here.
    public let offset: Int64
    private let steps: AsyncStream<Step>.Continuation
    private let stream: Task<Void, any Error>
    private let written: Mutex<Int64>

    private init(ref: String, offset: Int64, steps: AsyncStream<Step>.Continuation, stream: Task<Void, any Error>) {
        self.ref = ref
        self.offset = offset
        self.steps = steps
        self.stream = stream
        written = Mutex(offset)
    }

    static func open(client: BerthClient, ref: String, expectedSize: Int64, expectedDigest: String) async throws -> ContentIngest {
        let (steps, continuation) = AsyncStream.makeStream(of: Step.self)
        let replies = ReplyQueue()
        let request = StreamingClientRequest<Request>(metadata: client.metadata) { writer in
            for await step in steps {
                // Queued before the write goes out, so a quick reply always finds its caller.
                replies.append(step.reply)
                do {
                    try await writer.write(step.request)
                } catch {
                    replies.failAll(error)
                    throw error
                }
            }
        }
        let stream = Task {
            try await client.content.write(request: request, options: client.options) { response in
                do {
                    for try await reply in response.messages { replies.next()?.resume(returning: reply) }
                    replies.failAll(RPCError(code: .unavailable, message: "content write stream closed by the server"))
                } catch {
                    replies.failAll(error)
                    throw error
                }
            }
        }
        let status: Response
        do {
            status = try await withCheckedThrowingContinuation { reply in
                continuation.yield(Step(request: .with {
                    $0.action = .stat
                    $0.ref = ref
                    $0.total = expectedSize
                    $0.expected = expectedDigest
                }, reply: reply))
            }
        } catch {
            continuation.finish()
            stream.cancel()
            throw error
        }
        return ContentIngest(ref: ref, offset: status.offset, steps: continuation, stream: stream)
    }

    public func write(_ data: Data) async throws {
        guard !data.isEmpty else { return }
        let offset = written.withLock { $0 }
        _ = try await send(.with {
            $0.action = .write
            $0.ref = ref
            $0.offset = offset
            $0.data = data
        })
        written.withLock { $0 += Int64(data.count) }
    }

    /// Commits the blob; the server checks size and digest. Ends the stream.
    public func commit(size: Int64, digest: String, labels: [String: String]) async throws {
        defer { finish() }
        let offset = written.withLock { $0 }
        _ = try await send(.with {
            $0.action = .commit
            $0.ref = ref
            $0.offset = offset
            $0.total = size
            $0.expected = digest
            $0.labels = labels
        })
    }

    /// Ends the stream and keeps the ingest's bytes on the server for a later resume.
    public func finish() {
        steps.finish()
    }

    private func send(_ request: Request) async throws -> Response {
        try await withCheckedThrowingContinuation { reply in
            if case .terminated = steps.yield(Step(request: request, reply: reply)) {
                reply.resume(throwing: RPCError(code: .unavailable, message: "content ingest \(ref) is closed"))
            }
        }
    }
}

/// Replies owed to callers, in request order (the Write stream answers each request once, in order).
private final class ReplyQueue: Sendable {
    private let pending = Mutex<[CheckedContinuation<ContentIngest.Response, any Error>]>([])

    func append(_ reply: CheckedContinuation<ContentIngest.Response, any Error>) {
        pending.withLock { $0.append(reply) }
    }

    func next() -> CheckedContinuation<ContentIngest.Response, any Error>? {
        pending.withLock { $0.isEmpty ? nil : $0.removeFirst() }
    }

    func failAll(_ error: any Error) {
        for reply in pending.withLock({ queue in defer { queue.removeAll() }; return queue }) { reply.resume(throwing: error) }
    }
}

extension BerthClient {
    /// Opens (or resumes) the ingest `ref` for a blob of `expectedSize` bytes and `expectedDigest`.
    public func openIngest(ref: String, expectedSize: Int64, expectedDigest: String) async throws -> ContentIngest {
        try await ContentIngest.open(client: self, ref: ref, expectedSize: expectedSize, expectedDigest: expectedDigest)
    }
}
