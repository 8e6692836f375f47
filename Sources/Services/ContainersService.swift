import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import Metadata
import SwiftProtobuf

/// containerd.services.containers.v1.Containers: container records, with create/update/delete events.
public struct ContainersService: Containerd_Services_Containers_V1_Containers.ServiceProtocol {
    public typealias API = Containerd_Services_Containers_V1_Containers
    let metadata: MetadataStore
    let collector: GarbageCollector
    let events: EventPublisher
    /// Given to containers created without a runtime name (containerd refuses those; Berth has a configured default).
    let defaultRuntime: String

    public init(metadata: MetadataStore, collector: GarbageCollector, events: EventPublisher, defaultRuntime: String) {
        self.metadata = metadata
        self.collector = collector
        self.events = events
        self.defaultRuntime = defaultRuntime
    }

    public func get(
        request: ServerRequest<API.Method.Get.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Get.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let container = try await metadata.container(namespace: namespace, id: request.message.id)
        return ServerResponse(message: .with { $0.container = .init(container) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.List.Output> {
        let containers = try await matching(request)
        return ServerResponse(message: .with { $0.containers = containers.map(Containerd_Services_Containers_V1_Container.init) })
    }

    public func listStream(
        request: ServerRequest<API.Method.ListStream.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.ListStream.Output> {
        let containers = try await matching(request)
        return StreamingServerResponse { writer in
            for container in containers {
                try await writer.write(.with { $0.container = .init(container) })
            }
            return [:]
        }
    }

    public func create(
        request: ServerRequest<API.Method.Create.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Create.Output> {
        let namespace = try request.metadata.requiredNamespace()
        var container = ContainerRecord(request.message.container)
        if container.runtime.name.isEmpty { container.runtime.name = defaultRuntime }
        let created = try await metadata.createContainer(namespace: namespace, container)
        CrashPoint.reach("containers.create.after-record")
        await events.publish(
            namespace: namespace, topic: "/containers/create",
            Containerd_Events_ContainerCreate.with {
                $0.id = created.id
                $0.image = created.image
                $0.runtime = .with {
                    $0.name = created.runtime.name
                    if let options = created.runtime.options { $0.options = .init(options) }
                }
            })
        return ServerResponse(message: .with { $0.container = .init(created) })
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Update.Output> {
        let namespace = try request.metadata.requiredNamespace()
        guard !request.message.container.id.isEmpty else {
            throw BerthError.invalidArgument("Container.ID required")
        }
        let updated = try await metadata.updateContainer(
            namespace: namespace, ContainerRecord(request.message.container), paths: request.message.updateMask.paths)
        await events.publish(
            namespace: namespace, topic: "/containers/update",
            Containerd_Events_ContainerUpdate.with {
                $0.id = updated.id
                $0.image = updated.image
                $0.labels = updated.labels
                $0.snapshotKey = updated.snapshotKey
            })
        return ServerResponse(message: .with { $0.container = .init(updated) })
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        let id = request.message.id
        try await metadata.deleteContainer(namespace: namespace, id: id)
        await events.publish(
            namespace: namespace, topic: "/containers/delete", Containerd_Events_ContainerDelete.with { $0.id = id })
        await collector.schedule()
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    private func matching(_ request: ServerRequest<API.Method.List.Input>) async throws -> [ContainerRecord] {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        return try await metadata.containers(namespace: namespace).filter { filter.matches($0) }
    }
}

extension ContainerRecord {
    init(_ message: Containerd_Services_Containers_V1_Container) {
        self.init(
            id: message.id, labels: message.labels, image: message.image,
            runtime: .init(
                name: message.runtime.name,
                options: message.runtime.hasOptions ? TypedValue(message.runtime.options) : nil),
            spec: message.hasSpec ? TypedValue(message.spec) : nil,
            snapshotter: message.snapshotter, snapshotKey: message.snapshotKey,
            extensions: message.extensions.mapValues(TypedValue.init))
    }
}

extension Containerd_Services_Containers_V1_Container {
    init(_ container: ContainerRecord) {
        self.init()
        id = container.id
        labels = container.labels
        image = container.image
        runtime = .with {
            $0.name = container.runtime.name
            if let options = container.runtime.options { $0.options = .init(options) }
        }
        if let spec = container.spec { self.spec = .init(spec) }
        snapshotter = container.snapshotter
        snapshotKey = container.snapshotKey
        extensions = container.extensions.mapValues(Google_Protobuf_Any.init)
        createdAt = .init(container.createdAt)
        updatedAt = .init(container.updatedAt)
    }
}

extension TypedValue {
    init(_ any: Google_Protobuf_Any) {
        self.init(typeURL: any.typeURL, value: any.value)
    }
}

extension Google_Protobuf_Any {
    init(_ value: TypedValue) {
        self.init()
        typeURL = value.typeURL
        self.value = value.value
    }
}
