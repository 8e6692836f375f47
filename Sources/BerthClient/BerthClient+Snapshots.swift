import BerthAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias SnapshotDescription = Containerd_Services_Snapshots_V1_Info
public typealias MountDescription = Containerd_Types_Mount

extension BerthClient {
    var snapshots: Containerd_Services_Snapshots_V1_Snapshots.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }
    var diffs: Containerd_Services_Diff_V1_Diff.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    public func statSnapshot(_ key: String, snapshotter: String) async throws -> SnapshotDescription {
        try await snapshots.stat(.with {
            $0.snapshotter = snapshotter
            $0.key = key
        }, metadata: metadata, options: options).info
    }

    public func prepareSnapshot(
        _ key: String, parent: String, snapshotter: String, labels: [String: String] = [:]
    ) async throws -> [MountDescription] {
        try await snapshots.prepare(.with {
            $0.snapshotter = snapshotter
            $0.key = key
            $0.parent = parent
            $0.labels = labels
        }, metadata: metadata, options: options).mounts
    }

    public func commitSnapshot(_ name: String, key: String, snapshotter: String, labels: [String: String] = [:]) async throws {
        _ = try await snapshots.commit(.with {
            $0.snapshotter = snapshotter
            $0.name = name
            $0.key = key
            $0.labels = labels
        }, metadata: metadata, options: options)
    }

    public func removeSnapshot(_ key: String, snapshotter: String) async throws {
        _ = try await snapshots.remove(.with {
            $0.snapshotter = snapshotter
            $0.key = key
        }, metadata: metadata, options: options)
    }

    /// Applies a layer blob onto mounts; returns the digest and size of the uncompressed layer (its diff ID).
    public func applyLayer(_ layer: Containerd_Types_Descriptor, to mounts: [MountDescription]) async throws -> Containerd_Types_Descriptor {
        // No timeout: a large layer takes as long as it takes.
        try await diffs.apply(.with {
            $0.diff = layer
            $0.mounts = mounts
        }, metadata: metadata).applied
    }
}
