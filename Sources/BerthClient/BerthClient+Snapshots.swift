import BerthAPI
import BerthCore
import Foundation
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

    /// Writes the changes from `lower` to `upper` as a layer into the content store; returns its descriptor.
    public func computeDiff(
        lower: [MountDescription], upper: [MountDescription], mediaType: String = "", ref: String = "",
        labels: [String: String] = [:]
    ) async throws -> Containerd_Types_Descriptor {
        // No timeout: a large tree takes as long as it takes.
        try await diffs.diff(.with {
            $0.left = lower
            $0.right = upper
            $0.mediaType = mediaType
            $0.ref = ref
            $0.labels = labels
        }, metadata: metadata).diff
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

extension BerthClient {
    public func listSnapshots(snapshotter: String, filters: [String] = []) async throws -> [SnapshotDescription] {
        let request = ClientRequest(message: Containerd_Services_Snapshots_V1_ListSnapshotsRequest.with {
            $0.snapshotter = snapshotter
            $0.filters = filters
        }, metadata: metadata)
        return try await snapshots.list(request: request, options: options) { response in
            var infos: [SnapshotDescription] = []
            for try await batch in response.messages { infos += batch.info }
            return infos
        }
    }

    public func viewSnapshot(_ key: String, parent: String, snapshotter: String, labels: [String: String] = [:]) async throws -> [MountDescription] {
        try await snapshots.view(.with {
            $0.snapshotter = snapshotter
            $0.key = key
            $0.parent = parent
            $0.labels = labels
        }, metadata: metadata, options: options).mounts
    }

    public func snapshotMounts(_ key: String, snapshotter: String) async throws -> [MountDescription] {
        try await snapshots.mounts(.with {
            $0.snapshotter = snapshotter
            $0.key = key
        }, metadata: metadata, options: options).mounts
    }

    public func snapshotUsage(_ key: String, snapshotter: String) async throws -> (size: Int64, inodes: Int64) {
        let usage = try await snapshots.usage(.with {
            $0.snapshotter = snapshotter
            $0.key = key
        }, metadata: metadata, options: options)
        return (usage.size, usage.inodes)
    }

    /// Sets each label; an empty value removes it. Returns the snapshot's labels afterwards.
    @discardableResult
    public func setSnapshotLabels(_ key: String, snapshotter: String, _ labels: [String: String]) async throws -> [String: String] {
        try await snapshots.update(.with {
            $0.snapshotter = snapshotter
            $0.info = .with {
                $0.name = key
                $0.labels = labels.filter { !$0.value.isEmpty }
            }
            $0.updateMask = .with { $0.paths = labels.keys.sorted().map { "labels.\($0)" } }
        }, metadata: metadata, options: options).info.labels
    }

    /// The image's config blob for `platform` (JSON): what a container of it runs, and its layers' diff IDs.
    public func imageConfigData(_ target: Containerd_Types_Descriptor, platform: String) async throws -> Data {
        let (_, configDescriptor) = try await manifestAndConfig(target, platform: platform)
        guard let configData = try await readWholeBlob(configDescriptor.digest) else {
            throw BerthError.notFound("content digest \(configDescriptor.digest)")
        }
        return configData
    }

    /// The chain ID of the image's top layer for `platform`: the snapshot an unpacked image's root is.
    public func imageChainID(_ target: Containerd_Types_Descriptor, platform: String) async throws -> String {
        let configData = try await imageConfigData(target, platform: platform)
        let diffIDs = try JSONDecoder().decode(RootFSConfig.self, from: configData).rootfs.diff_ids
        return diffIDs.dropFirst().reduce(diffIDs.first ?? "") { Self.chainID(parent: $0, diffID: $1) }
    }
}
