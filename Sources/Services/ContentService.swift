import BerthAPI
import BerthCore
import ContentStore
import Events
import Foundation
import GRPCCore
import Metadata
import SwiftProtobuf

/// containerd.services.content.v1.Content
public struct ContentService: Containerd_Services_Content_V1_Content.ServiceProtocol {
    public typealias API = Containerd_Services_Content_V1_Content
    /// Read and List answers are streamed in pieces of this size, as containerd's.
    static let readChunkSize = 1 << 20
    static let listBatchSize = 100

    let content: NamespacedContent
    let events: EventPublisher

    public init(content: NamespacedContent, events: EventPublisher) {
        self.content = content
        self.events = events
    }

    public func info(
        request: ServerRequest<API.Method.Info.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Info.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let record = try await content.info(namespace: namespace, digest: try .fromRequest(request.message.digest))
        return ServerResponse(message: .with { $0.info = .init(record) })
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Update.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let info = request.message.info
        let record = try await content.update(
            namespace: namespace, digest: try .fromRequest(info.digest), labels: info.labels,
            paths: request.message.updateMask.paths)
        return ServerResponse(message: .with { $0.info = .init(record) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.List.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        let records = try await content.list(namespace: namespace).filter { filter.matches($0) }
        return StreamingServerResponse { writer in
            for batch in records.chunked(into: Self.listBatchSize) {
                try await writer.write(.with { $0.info = batch.map(Containerd_Services_Content_V1_Info.init) })
            }
            return [:]
        }
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        let digest = try Digest.fromRequest(request.message.digest)
        try await offEventLoop { try await content.delete(namespace: namespace, digest: digest) }
        await events.publish(
            namespace: namespace, topic: "/content/delete", Containerd_Events_ContentDelete.with { $0.digest = digest.description })
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func read(
        request: ServerRequest<API.Method.Read.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.Read.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        let reader = try await content.reader(namespace: namespace, digest: try .fromRequest(message.digest))
        guard message.offset >= 0, message.offset <= reader.size else {
            reader.close()
            throw BerthError(.outOfRange, "read offset \(message.offset) beyond blob size \(reader.size)")
        }
        let end = message.size > 0 ? min(reader.size, message.offset + message.size) : reader.size
        return StreamingServerResponse { writer in
            defer {
                reader.close()
                if end - message.offset > 1 << 20 { HeapTrimmer.trimSoon() }
            }
            var offset = message.offset
            while offset < end {
                try Task.checkCancellation()
                let count = Int(min(Int64(Self.readChunkSize), end - offset))
                let bytes = try reader.read(at: offset, count: count)
                if bytes.isEmpty { break }
                try await writer.write(.with {
                    $0.offset = offset
                    $0.data = Data(bytes)
                })
                offset += Int64(bytes.count)
            }
            return [:]
        }
    }

    public func status(
        request: ServerRequest<API.Method.Status.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Status.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let status = try content.status(namespace: namespace, ref: request.message.ref)
        return ServerResponse(message: .with { $0.status = .init(status) })
    }

    public func listStatuses(
        request: ServerRequest<API.Method.ListStatuses.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.ListStatuses.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        let statuses = try content.statuses(namespace: namespace).filter { status in
            filter.matches(DictionaryFilterAdaptor(fields: ["ref": status.ref]))
        }
        return ServerResponse(message: .with { $0.statuses = statuses.map(Containerd_Services_Content_V1_Status.init) })
    }

    public func abort(
        request: ServerRequest<API.Method.Abort.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        try content.abort(namespace: namespace, ref: request.message.ref)
        return ServerResponse(message: Google_Protobuf_Empty())
    }
}

extension Containerd_Services_Content_V1_Info {
    init(_ record: BlobRecord) {
        self.init()
        digest = record.digest.description
        size = record.size
        createdAt = .init(record.createdAt)
        updatedAt = .init(record.updatedAt)
        labels = record.labels
    }
}

extension Containerd_Services_Content_V1_Status {
    init(_ status: IngestStatus) {
        self.init()
        ref = status.ref
        offset = status.offset
        total = status.total
        expected = status.expected?.description ?? ""
        startedAt = .init(status.startedAt)
        updatedAt = .init(status.updatedAt)
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
