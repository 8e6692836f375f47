import BerthAPI
import BerthCore
import ContentStore
import Foundation
import GRPCCore
import Metadata

/// The Write stream, message by message as containerd's content server handles it: every request gets a
/// response carrying the ingest's offset; stat reports, write appends at the current offset (offset 0
/// restarts the ingest), commit verifies size and digest and records the blob.
extension ContentService {
    public func write(
        request: StreamingServerRequest<API.Method.Write.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.Write.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let lease = request.metadata.lease()
        return StreamingServerResponse { responses in
            var messages = request.messages.makeAsyncIterator()
            guard let message = try await messages.next() else { return [:] }
            let ref = message.ref
            guard !ref.isEmpty else { throw BerthError.invalidArgument("first message must have a reference") }
            let total = message.total
            let expected = message.expected.isEmpty ? nil : try Digest.fromRequest(message.expected)
            let writer = try await content.writer(
                namespace: namespace, ref: ref, total: total, expected: expected, lease: lease)
            let pipeline = IngestPipeline(writer: writer)
            let outcome: Result<Metadata, any Error>
            do {
                outcome = .success(try await serve(
                    first: message, &messages, writer: writer, pipeline: pipeline, responses: responses,
                    namespace: namespace, lease: lease, total: total, expected: expected))
            } catch {
                outcome = .failure(error)
            }
            // Written or not, the accepted chunks reach the file before the writer closes (a defer cannot wait).
            await pipeline.drain()
            writer.close()
            HeapTrimmer.trimSoon()
            return try outcome.get()
        }
    }

    /// The messages of one Write stream after the first has opened the writer.
    private func serve(
        first: API.Method.Write.Input, _ messages: inout RPCAsyncSequence<API.Method.Write.Input, any Error>.AsyncIterator,
        writer: ContentWriter, pipeline: IngestPipeline, responses: RPCWriter<API.Method.Write.Output>,
        namespace: String, lease: String?, total: Int64, expected: Digest?
    ) async throws -> Metadata {
        var message = first
        var total = total
        var expected = expected
        let ref = first.ref
        while true {
            try Task.checkCancellation()
            let status = try writer.status()
            var response = Containerd_Services_Content_V1_WriteContentResponse()
            response.action = message.action
            response.offset = status.offset
            if !message.expected.isEmpty {
                let digest = try Digest.fromRequest(message.expected)
                expected = digest
                if (try? await content.info(namespace: namespace, digest: digest)) != nil {
                    await pipeline.drain()
                    writer.close()
                    try? content.abort(namespace: namespace, ref: ref)
                    throw BerthError.alreadyExists("blob with expected digest \(digest) exists")
                }
            }
            if message.total > 0 { total = message.total }

            switch message.action {
            case .stat:
                await pipeline.drain()
                response.digest = writer.digest.description
                response.startedAt = .init(status.startedAt)
                response.updatedAt = .init(status.updatedAt)
                response.total = total
            case .write, .commit:
                if message.offset > 0 && message.offset != status.offset {
                    throw BerthError(.outOfRange, "write @\(message.offset) must occur at current offset \(status.offset)")
                }
                if message.offset == 0 && status.offset > 0 {
                    await pipeline.drain()
                    try writer.truncate(to: 0)
                    response.offset = 0
                }
                if !message.data.isEmpty {
                    try await pipeline.write(message.data)
                    response.offset += Int64(message.data.count)
                }
                if message.action == .commit {
                    await pipeline.drain()
                    _ = try await offEventLoop {
                        try await content.commit(
                            writer, namespace: namespace, size: total, expected: expected, labels: message.labels,
                            lease: lease)
                    }
                }
                response.digest = writer.digest.description
            case .UNRECOGNIZED:
                break
            }
            try await responses.write(response)
            if message.action == .commit { return [:] }
            guard let next = try await messages.next() else { return [:] }
            message = next
        }
    }
}
