import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import Metadata
import SwiftProtobuf

/// containerd.services.leases.v1.Leases
public struct LeasesService: Containerd_Services_Leases_V1_Leases.ServiceProtocol {
    public typealias API = Containerd_Services_Leases_V1_Leases
    let metadata: MetadataStore
    let collector: GarbageCollector

    public init(metadata: MetadataStore, collector: GarbageCollector) {
        self.metadata = metadata
        self.collector = collector
    }

    public func create(
        request: ServerRequest<API.Method.Create.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Create.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let lease = try await metadata.createLease(namespace: namespace, id: request.message.id, labels: request.message.labels)
        return ServerResponse(message: .with { $0.lease = .init(lease) })
    }

    public func delete(
        request: ServerRequest<API.Method.Delete.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        try await metadata.deleteLease(namespace: namespace, id: request.message.id)
        if request.message.sync {
            _ = try await offEventLoop { try await collector.collect() }
        } else {
            await collector.schedule()
        }
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.List.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        let leases = try await metadata.leases(namespace: namespace).filter { filter.matches($0) }
        return ServerResponse(message: .with { $0.leases = leases.map(Containerd_Services_Leases_V1_Lease.init) })
    }

    public func addResource(
        request: ServerRequest<API.Method.AddResource.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        try await metadata.addLeaseResource(
            namespace: namespace, lease: request.message.id, LeaseResource(request.message.resource))
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func deleteResource(
        request: ServerRequest<API.Method.DeleteResource.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        try await metadata.deleteLeaseResource(
            namespace: namespace, lease: request.message.id, LeaseResource(request.message.resource))
        await collector.schedule()
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func listResources(
        request: ServerRequest<API.Method.ListResources.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.ListResources.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let resources = try await metadata.leaseResources(namespace: namespace, lease: request.message.id)
        return ServerResponse(message: .with {
            $0.resources = resources.map { resource in
                .with {
                    $0.type = resource.type
                    $0.id = resource.id
                }
            }
        })
    }
}

extension LeaseResource {
    init(_ message: Containerd_Services_Leases_V1_Resource) {
        self.init(type: message.type, id: message.id)
    }
}

extension Containerd_Services_Leases_V1_Lease {
    init(_ lease: LeaseRecord) {
        self.init()
        id = lease.id
        labels = lease.labels
        createdAt = .init(lease.createdAt)
    }
}
