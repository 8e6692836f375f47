import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import Metadata
import SwiftProtobuf

/// containerd.services.images.v1.Images
public struct ImagesService: Containerd_Services_Images_V1_Images.ServiceProtocol {
    public typealias API = Containerd_Services_Images_V1_Images
    let metadata: MetadataStore
    let collector: GarbageCollector
    let events: EventPublisher

    public init(metadata: MetadataStore, collector: GarbageCollector, events: EventPublisher) {
        self.metadata = metadata
        self.collector = collector
        self.events = events
    }

    public func get(
        request: ServerRequest<API.Method.Get.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Get.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let image = try await metadata.image(namespace: namespace, name: request.message.name)
        return ServerResponse(message: .with { $0.image = .init(image) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.List.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        let images = try await metadata.images(namespace: namespace).filter { filter.matches($0) }
        return ServerResponse(message: .with { $0.images = images.map(Containerd_Services_Images_V1_Image.init) })
    }

    public func create(
        request: ServerRequest<API.Method.Create.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Create.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let created = try await metadata.createImage(namespace: namespace, try ImageRecord(request.message.image))
        await events.imageCreated(namespace: namespace, created)
        return ServerResponse(message: .with { $0.image = .init(created) })
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Update.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let image = request.message.image
        // A partial update (labels only) may leave the target out.
        // ctr sends an empty target with a labels-only update: only a target with a digest is one.
        let target = image.hasTarget && !image.target.digest.isEmpty ? try Descriptor(image.target, field: "Target.Digest") : nil
        let updated = try await metadata.updateImage(
            namespace: namespace, name: image.name, labels: image.labels, target: target,
            paths: request.message.updateMask.paths)
        await events.imageUpdated(namespace: namespace, updated)
        return ServerResponse(message: .with { $0.image = .init(updated) })
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        let name = request.message.name
        try await metadata.deleteImage(namespace: namespace, name: name)
        await events.publish(
            namespace: namespace, topic: "/images/delete", Containerd_Services_Images_V1_ImageDelete.with { $0.name = name })
        if request.message.sync {
            _ = try await offEventLoop { try await collector.collect() }
        } else {
            await collector.schedule()
        }
        return ServerResponse(message: Google_Protobuf_Empty())
    }
}

extension ImageRecord {
    init(_ message: Containerd_Services_Images_V1_Image) throws {
        self.init(name: message.name, labels: message.labels, target: try Descriptor(message.target, field: "Target.Digest"))
    }
}

extension Containerd_Services_Images_V1_Image {
    init(_ image: ImageRecord) {
        self.init()
        name = image.name
        labels = image.labels
        target = .init(image.target)
        createdAt = .init(image.createdAt)
        updatedAt = .init(image.updatedAt)
    }
}
