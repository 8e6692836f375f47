import BerthAPI
import BerthCore
import Foundation
import GRPCCore
import Metadata
import Snapshots
import SwiftProtobuf

/// containerd.services.snapshots.v1.Snapshots
public struct SnapshotsService: Containerd_Services_Snapshots_V1_Snapshots.ServiceProtocol {
    public typealias API = Containerd_Services_Snapshots_V1_Snapshots
    static let listBatchSize = 100

    let snapshots: NamespacedSnapshots
    let events: EventPublisher

    public init(snapshots: NamespacedSnapshots, events: EventPublisher) {
        self.snapshots = snapshots
        self.events = events
    }

    public func prepare(
        request: ServerRequest<API.Method.Prepare.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Prepare.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        let (_, mounts) = try await snapshots.create(
            namespace: namespace, snapshotter: message.snapshotter, key: message.key, parent: message.parent,
            kind: .active, labels: message.labels, lease: request.metadata.lease())
        await events.snapshotPrepared(namespace: namespace, key: message.key, parent: message.parent)
        return ServerResponse(message: .with { $0.mounts = mounts.map(Containerd_Types_Mount.init) })
    }

    public func view(
        request: ServerRequest<API.Method.View.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.View.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        let (_, mounts) = try await snapshots.create(
            namespace: namespace, snapshotter: message.snapshotter, key: message.key, parent: message.parent,
            kind: .view, labels: message.labels, lease: request.metadata.lease())
        return ServerResponse(message: .with { $0.mounts = mounts.map(Containerd_Types_Mount.init) })
    }

    public func mounts(
        request: ServerRequest<API.Method.Mounts.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Mounts.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let mounts = try await snapshots.mounts(
            namespace: namespace, snapshotter: request.message.snapshotter, key: request.message.key)
        return ServerResponse(message: .with { $0.mounts = mounts.map(Containerd_Types_Mount.init) })
    }

    public func commit(
        request: ServerRequest<API.Method.Commit.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        _ = try await offEventLoop {
            try await snapshots.commit(
                namespace: namespace, snapshotter: message.snapshotter, name: message.name, key: message.key,
                labels: message.labels, lease: request.metadata.lease())
        }
        await events.snapshotCommitted(namespace: namespace, key: message.key, name: message.name)
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func remove(
        request: ServerRequest<API.Method.Remove.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        // A record change and a rename: the snapshot's files are removed behind the call (`SnapshotTreeRemoval`).
        try await snapshots.remove(namespace: namespace, snapshotter: message.snapshotter, key: message.key)
        await events.snapshotRemoved(namespace: namespace, key: message.key)
        return ServerResponse(message: Google_Protobuf_Empty())
    }

    public func stat(
        request: ServerRequest<API.Method.Stat.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Stat.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let record = try await snapshots.stat(
            namespace: namespace, snapshotter: request.message.snapshotter, key: request.message.key)
        return ServerResponse(message: .with { $0.info = .init(record) })
    }

    public func update(
        request: ServerRequest<API.Method.Update.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Update.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        let record = try await snapshots.update(
            namespace: namespace, snapshotter: message.snapshotter, key: message.info.name, labels: message.info.labels,
            paths: message.updateMask.paths)
        return ServerResponse(message: .with { $0.info = .init(record) })
    }

    public func list(
        request: ServerRequest<API.Method.List.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.List.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let filter = try Filter.parseAll(request.message.filters)
        let records = try await snapshots.list(namespace: namespace, snapshotter: request.message.snapshotter)
            .filter { filter.matches($0) }
        return StreamingServerResponse { writer in
            for batch in records.chunked(into: Self.listBatchSize) {
                try await writer.write(.with { $0.info = batch.map(Containerd_Services_Snapshots_V1_Info.init) })
            }
            return [:]
        }
    }

    public func usage(
        request: ServerRequest<API.Method.Usage.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Usage.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let usage = try await snapshots.usage(
            namespace: namespace, snapshotter: request.message.snapshotter, key: request.message.key)
        return ServerResponse(message: .with {
            $0.size = usage.size
            $0.inodes = usage.inodes
        })
    }

    public func cleanup(
        request: ServerRequest<API.Method.Cleanup.Input>, context: ServerContext
    ) async throws -> ServerResponse<Google_Protobuf_Empty> {
        _ = try request.metadata.requiredNamespace()
        try await snapshots.cleanup(snapshotter: request.message.snapshotter)
        return ServerResponse(message: Google_Protobuf_Empty())
    }
}

extension Containerd_Types_Mount {
    init(_ mount: Snapshots.Mount) {
        self.init()
        type = mount.type
        source = mount.source
        target = mount.target
        options = mount.options
    }
}

extension Containerd_Services_Snapshots_V1_Info {
    init(_ record: SnapshotRecord) {
        self.init()
        name = record.key
        parent = record.parent ?? ""
        kind = Containerd_Services_Snapshots_V1_Kind(rawValue: record.kind.rawValue) ?? .unknown
        createdAt = .init(record.createdAt)
        updatedAt = .init(record.updatedAt)
        labels = record.labels
    }
}
