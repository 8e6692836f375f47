import BerthAPI
import BerthCore
import GRPCCore
import Metadata
import SwiftProtobuf

/// containerd.services.namespaces.v1.Namespaces
public struct NamespacesService: Containerd_Services_Namespaces_V1_Namespaces.ServiceProtocol {
    public typealias API = Containerd_Services_Namespaces_V1_Namespaces
    let store: MetadataStore
    let events: EventPublisher

    public init(store: MetadataStore, events: EventPublisher) {
        self.store = store
        self.events = events
    }

    public func get(
        request: ServerRequest<API.Method.Get.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Get.Output> {
        let name = request.message.name
        // containerd answers Get for a namespace it has no record of with empty labels; so does Berth.
        let namespace = try await store.namespace(named: name) ?? Namespace(name: name)
        return ServerResponse(message: .with { $0.namespace = .init(namespace) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.List.Output> {
        let filter = try Filter.parseAll([request.message.filter])
        let namespaces = try await store.listNamespaces().filter {
            filter.matches(DictionaryFilterAdaptor(fields: ["name": $0.name], labels: $0.labels))
        }
        return ServerResponse(message: .with { $0.namespaces = namespaces.map { .init($0) } })
    }

    public func create(
        request: ServerRequest<API.Method.Create.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Create.Output> {
        let callerNamespace = try request.metadata.requiredNamespace()
        let namespace = Namespace(request.message.namespace)
        try await store.createNamespace(namespace)
        await events.publish(
            namespace: callerNamespace, topic: "/namespaces/create",
            Containerd_Events_NamespaceCreate.with {
                $0.name = namespace.name
                $0.labels = namespace.labels
            })
        return ServerResponse(message: .with { $0.namespace = request.message.namespace })
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Update.Output> {
        let callerNamespace = try request.metadata.requiredNamespace()
        let updated = try await store.updateNamespace(
            Namespace(request.message.namespace), paths: request.message.updateMask.paths)
        await events.publish(
            namespace: callerNamespace, topic: "/namespaces/update",
            Containerd_Events_NamespaceUpdate.with {
                $0.name = updated.name
                $0.labels = updated.labels
            })
        return ServerResponse(message: .with { $0.namespace = .init(updated) })
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let name = request.message.name
        try await store.deleteNamespace(named: name)
        // As containerd does, the delete event is published in the deleted namespace.
        await events.publish(
            namespace: name, topic: "/namespaces/delete", Containerd_Events_NamespaceDelete.with { $0.name = name })
        return ServerResponse(message: Google_Protobuf_Empty())
    }
}

extension Namespace {
    init(_ message: Containerd_Services_Namespaces_V1_Namespace) {
        self.init(name: message.name, labels: message.labels)
    }
}

extension Containerd_Services_Namespaces_V1_Namespace {
    init(_ namespace: Namespace) {
        self.init()
        name = namespace.name
        labels = namespace.labels
    }
}
