import BerthAPI
import BerthCore
import Crypto
import Foundation
import GRPCCore
import OCI

extension BerthClient {
    /// Unpacks an image's layers for `platform` into snapshots named by chain ID, as containerd's client
    /// unpacker does: existing layers are reused, each new one is prepared, applied, checked against the
    /// config's diff ID and committed; the config then carries the `gc.ref.snapshot` label that keeps the
    /// top snapshot (and so the chain) alive. Returns the chain ID of the top layer.
    @discardableResult
    public func unpack(_ target: Containerd_Types_Descriptor, platform: String, snapshotter: String) async throws -> String {
        try await unpackImage(target, platform: platform, snapshotter: snapshotter).chainID
    }

    /// `unpack`, also returning the image config it read on the way (what a container of the image runs).
    public func unpackImage(
        _ target: Containerd_Types_Descriptor, platform: String, snapshotter: String
    ) async throws -> (chainID: String, config: Data) {
        let (manifest, configDescriptor) = try await manifestAndConfig(target, platform: platform)
        guard let configData = try await readWholeBlob(configDescriptor.digest) else {
            throw BerthError.notFound("content digest \(configDescriptor.digest)")
        }
        let config = try JSONDecoder().decode(RootFSConfig.self, from: configData)
        let diffIDs = config.rootfs.diff_ids
        guard diffIDs.count == manifest.layers.count else {
            throw BerthError.failedPrecondition("image config lists \(diffIDs.count) diff IDs for \(manifest.layers.count) layers")
        }
        var chainIDs: [String] = []
        for diffID in diffIDs {
            chainIDs.append(chainIDs.last.map { Self.chainID(parent: $0, diffID: diffID) } ?? diffID)
        }
        let label = "containerd.io/gc.ref.snapshot.\(snapshotter)"
        let top = chainIDs.last ?? ""
        // Unpacked already (a snapshot's parents exist while it does): as ctr's IsUnpacked, one Stat.
        if !top.isEmpty {
            // Both at once: one round trip where the image is unpacked, the usual case.
            async let unpacked = hasSnapshot(top, snapshotter: snapshotter)
            async let configLabels = contentInfo(configDescriptor.digest).labels
            if try await unpacked {
                if try await configLabels[label] != top {
                    try await setContentLabels(configDescriptor.digest, [label: top])
                }
                return (top, configData)
            }
            _ = try? await configLabels
        }
        var parent = ""
        for (layer, (diffID, chainID)) in zip(manifest.layers, zip(diffIDs, chainIDs)) {
            if try await !hasSnapshot(chainID, snapshotter: snapshotter) {
                try await applyAndCommit(layer, diffID: diffID, chainID: chainID, parent: parent, snapshotter: snapshotter)
            }
            parent = chainID
        }
        try await setContentLabels(configDescriptor.digest, [label: parent])
        return (parent, configData)
    }

    private func applyAndCommit(
        _ layer: OCIDescriptor, diffID: String, chainID: String, parent: String, snapshotter: String
    ) async throws {
        let key = "extract-\(UInt32.random(in: 0...UInt32.max)) \(chainID)"
        let mounts = try await prepareSnapshot(key, parent: parent, snapshotter: snapshotter)
        do {
            let applied = try await applyLayer(.with {
                $0.mediaType = layer.mediaType
                $0.digest = layer.digest
                $0.size = layer.size
            }, to: mounts)
            guard applied.digest == diffID else {
                throw BerthError.failedPrecondition("wrong diff id calculated on extraction \"\(applied.digest)\" (expected \(diffID))")
            }
            try await commitSnapshot(chainID, key: key, snapshotter: snapshotter)
        } catch {
            try? await removeSnapshot(key, snapshotter: snapshotter)
            // Another unpack of the same layer may have committed it first: that is as good.
            if let rpc = error as? RPCError, rpc.code == .alreadyExists { return }
            throw error
        }
    }

    func hasSnapshot(_ key: String, snapshotter: String) async throws -> Bool {
        do {
            _ = try await statSnapshot(key, snapshotter: snapshotter)
            return true
        } catch let error as RPCError where error.code == .notFound {
            return false
        }
    }

    /// The manifest for `platform` (through an index if need be) and its config descriptor.
    func manifestAndConfig(_ target: Containerd_Types_Descriptor, platform: String) async throws -> (ImageManifest, OCIDescriptor) {
        var descriptor = OCIDescriptor(mediaType: target.mediaType, digest: target.digest, size: target.size)
        let decoder = JSONDecoder()
        for _ in 0..<8 {
            guard let body = try await readWholeBlob(descriptor.digest) else {
                throw BerthError.notFound("content digest \(descriptor.digest)")
            }
            if MediaTypes.isManifest(descriptor.mediaType) {
                let manifest = try decoder.decode(ImageManifest.self, from: body)
                return (manifest, manifest.config)
            }
            guard MediaTypes.isIndex(descriptor.mediaType) else {
                throw BerthError.failedPrecondition("unexpected media type \(descriptor.mediaType) for an image target")
            }
            let index = try decoder.decode(ImageIndex.self, from: body)
            guard let match = index.manifests.first(where: { $0.platform.map { $0.formatted == platform } ?? false })
                ?? index.manifests.first(where: { $0.platform == nil })
            else { throw BerthError.notFound("no match for platform \(platform) in manifest \(descriptor.digest)") }
            descriptor = match
        }
        throw BerthError.failedPrecondition("image index nesting is too deep")
    }

    /// containerd's identity.ChainID step: sha256 of "<parent chain ID> <diff ID>".
    static func chainID(parent: String, diffID: String) -> String {
        "sha256:" + SHA256.hash(data: Data("\(parent) \(diffID)".utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// The part of an image config that names its layers' diff IDs.
struct RootFSConfig: Decodable {
    struct RootFS: Decodable {
        var diff_ids: [String]
    }
    var rootfs: RootFS
}
