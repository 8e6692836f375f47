import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias ContentInfo = Containerd_Services_Content_V1_Info
public typealias IngestStatus = Containerd_Services_Content_V1_Status

extension BerthClient {
    var content: Containerd_Services_Content_V1_Content.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    public func listContent(filters: [String] = []) async throws -> [ContentInfo] {
        let request = ClientRequest(message: Containerd_Services_Content_V1_ListContentRequest.with { $0.filters = filters }, metadata: metadata)
        return try await content.list(request: request, options: options) { response in
            var infos: [ContentInfo] = []
            for try await batch in response.messages { infos += batch.info }
            return infos
        }
    }

    public func contentInfo(_ digest: String) async throws -> ContentInfo {
        try await content.info(.with { $0.digest = digest }, metadata: metadata, options: options).info
    }

    /// Sets each label; an empty value removes it. Returns the blob's labels afterwards.
    @discardableResult
    public func setContentLabels(_ digest: String, _ labels: [String: String]) async throws -> [String: String] {
        guard !labels.isEmpty else { return try await contentInfo(digest).labels }
        let request = Containerd_Services_Content_V1_UpdateRequest.with {
            $0.info = .with {
                $0.digest = digest
                $0.labels = labels.filter { !$0.value.isEmpty }
            }
            $0.updateMask = .with { $0.paths = labels.keys.sorted().map { "labels.\($0)" } }
        }
        return try await content.update(request, metadata: metadata, options: options).info.labels
    }

    /// Write requests an ingest sends before it waits for the oldest one's answer.
    static let ingestWindow = 8

    public func deleteContent(_ digest: String) async throws {
        _ = try await content.delete(.with { $0.digest = digest }, metadata: metadata, options: options)
    }

    /// Streams the blob (from `offset`, `size` bytes or to the end) to `sink`, chunk by chunk.
    public func readContent(
        _ digest: String, offset: Int64 = 0, size: Int64 = 0, _ sink: @escaping @Sendable (Data) async throws -> Void
    ) async throws {
        let request = ClientRequest(message: Containerd_Services_Content_V1_ReadContentRequest.with {
            $0.digest = digest
            $0.offset = offset
            $0.size = size
        }, metadata: metadata)
        // No per-call timeout: a large blob takes as long as it takes.
        try await content.read(request: request) { response in
            for try await chunk in response.messages { try await sink(chunk.data) }
        }
    }

    public func activeIngests(filters: [String] = []) async throws -> [IngestStatus] {
        try await content.listStatuses(.with { $0.filters = filters }, metadata: metadata, options: options).statuses
    }

    public func abortIngest(_ ref: String) async throws {
        _ = try await content.abort(.with { $0.ref = ref }, metadata: metadata, options: options)
    }

    /// Writes a blob through the Write stream, resuming the ingest `ref` when the server has part of it.
    /// `source(offset)` must yield the data from that offset on, in chunks. Returns the committed digest.
    /// A blob the namespace already has is not an error: its digest is returned.
    @discardableResult
    public func ingest(
        ref: String, expectedSize: Int64 = 0, expectedDigest: String = "", labels: [String: String] = [:],
        source: @escaping @Sendable (Int64) throws -> AsyncThrowingStream<Data, any Error>
    ) async throws -> String {
        typealias Request = Containerd_Services_Content_V1_WriteContentRequest
        typealias Response = Containerd_Services_Content_V1_WriteContentResponse
        // Each request gets one response, in order. Writes go out up to `ingestWindow` ahead of their
        // answers (ctr waits for each), so reading the source, the server's hashing and its disk writes overlap.
        let (responses, responded) = AsyncThrowingStream.makeStream(of: Response.self)
        let request = StreamingClientRequest<Request>(metadata: metadata) { writer in
            var replies = responses.makeAsyncIterator()
            func reply() async throws -> Response {
                guard let reply = try await replies.next() else {
                    throw RPCError(code: .unavailable, message: "content write stream closed by the server")
                }
                return reply
            }
            try await writer.write(.with {
                $0.action = .stat
                $0.ref = ref
                $0.total = expectedSize
                $0.expected = expectedDigest
            })
            var offset = try await reply().offset
            var unanswered = 0
            for try await chunk in try source(offset) where !chunk.isEmpty {
                if unanswered == Self.ingestWindow {
                    _ = try await reply()
                    unanswered -= 1
                }
                try await writer.write(.with {
                    $0.action = .write
                    $0.ref = ref
                    $0.offset = offset
                    $0.data = chunk
                })
                unanswered += 1
                offset += Int64(chunk.count)
            }
            for _ in 0..<unanswered { _ = try await reply() }
            try await writer.write(.with {
                $0.action = .commit
                $0.ref = ref
                $0.offset = offset
                $0.total = expectedSize
                $0.expected = expectedDigest
                $0.labels = labels
            })
            _ = try await reply()
        }
        do {
            return try await content.write(request: request) { response in
                var digest = ""
                do {
                    for try await reply in response.messages {
                        digest = reply.digest
                        responded.yield(reply)
                    }
                    responded.finish()
                } catch {
                    responded.finish(throwing: error)
                    throw error
                }
                return digest
            }
        } catch let error as RPCError where error.code == .alreadyExists && !expectedDigest.isEmpty {
            return expectedDigest
        }
    }
}
