import Archive
import BerthCore
import ContentStore
import Distribution
import Foundation
import Metadata
import OCI
import Snapshots
import Synchronization

/// Unpacks one image into snapshots named by chain ID, as containerd's unpacker does, but faster: with an
/// overlay-style driver each layer of the chosen manifest is decompressed straight into its own snapshot
/// directory while it downloads, all layers at once (no mount, no wait for the parent); `commit` then puts
/// them in order, checks every diff ID and commits each onto its parent. Layers that were not streamed
/// (present already, resumed, or a driver that copies parents) are applied from the content store.
final class LayerUnpacker: Sendable {
    struct Context: Sendable {
        let namespace: String
        let snapshotter: String
        let lease: String
        let content: NamespacedContent
        let snapshots: NamespacedSnapshots
        let events: any TransferEvents
    }

    struct Outcome: Sendable {
        var chainID: String
        var streamed = 0
        var appliedAfter = 0
    }

    /// A layer applied while it downloaded, into an active snapshot without a parent.
    private struct StreamedLayer {
        var key: String
        var applied: AppliedLayer
    }

    private struct State {
        /// The chosen manifest's layers not yet claimed by a stream.
        var wanted: Set<String> = []
        var streamed: [String: StreamedLayer] = [:]
        /// Active snapshots made for streams, so a failed pull can remove them all.
        var keys: Set<String> = []
    }

    let context: Context
    let driver: any SnapshotDriver
    private let state = Mutex(State())

    init(_ context: Context) throws {
        self.context = context
        driver = try context.snapshots.driver(context.snapshotter)
    }

    // MARK: during the download

    /// The puller stored the manifests: note the layers of the one to unpack, so they stream.
    func plan(manifests: [OCIDescriptor]) async throws {
        guard driver.layersAreIndependent, let manifest = try await chosenManifest(manifests) else { return }
        let layers = Set(manifest.layers.map(\.digest))
        state.withLock { $0.wanted = layers }
    }

    /// The puller's layer observer: applies a wanted layer as its bytes arrive (others are left to `commit`).
    func consume(_ layer: LayerStream) async throws {
        let digest = layer.descriptor.digest
        guard state.withLock({ $0.wanted.remove(digest) != nil }) else { return }
        let key = "extract-\(UInt32.random(in: 0...UInt32.max)) \(digest)"
        let target = try await prepare(key: key, parent: nil)
        state.withLock { _ = $0.keys.insert(key) }
        let reader = BlockingStreamReader {
            var chunks = layer.makeAsyncIterator()
            return try await chunks.next()
        }
        let applied = try await BlockingThread.run {
            let applied = try LayerApplier.apply(to: target, style: .overlay) {
                CrashPoint.reach("unpack.stream")
                return try reader.read(into: $0)
            }
            // Only a stream that ended normally was verified against the layer's digest.
            try reader.drain()
            return applied
        }
        state.withLock { $0.streamed[digest] = StreamedLayer(key: key, applied: applied) }
    }

    // MARK: after the download

    /// Commits the chosen manifest's layers in order onto their parents and labels the config so that
    /// collection keeps the chain. Returns nil when no manifest matches the host.
    func commit(manifests: [OCIDescriptor]) async throws -> Outcome? {
        guard let manifest = try await chosenManifest(manifests) else { return nil }
        let config = try await document(ImageConfig.self, manifest.config)
        let diffIDs = config.rootfs?.diffIDs ?? []
        guard diffIDs.count == manifest.layers.count else {
            throw BerthError.failedPrecondition("image config lists \(diffIDs.count) diff IDs for \(manifest.layers.count) layers")
        }
        var outcome = Outcome(chainID: "")
        var parent = ""
        for (layer, diffID) in zip(manifest.layers, diffIDs) {
            let chainID = parent.isEmpty ? diffID : Self.chainID(parent: parent, diffID: diffID)
            let streamed = state.withLock { $0.streamed.removeValue(forKey: layer.digest) }
            if try await exists(chainID) {
                if let streamed { try? await remove(streamed.key) }
            } else if let streamed {
                try await commitStreamed(streamed, layer: layer, diffID: diffID, chainID: chainID, parent: parent)
                outcome.streamed += 1
            } else {
                try await applyFromStore(layer, diffID: diffID, chainID: chainID, parent: parent)
                outcome.appliedAfter += 1
            }
            parent = chainID
        }
        _ = try await context.content.update(
            namespace: context.namespace, digest: try Digest(parsing: manifest.config.digest),
            labels: ["containerd.io/gc.ref.snapshot.\(context.snapshotter)": parent],
            paths: ["labels.containerd.io/gc.ref.snapshot.\(context.snapshotter)"])
        outcome.chainID = parent
        return outcome
    }

    /// Removes the snapshots of streams that were not committed (after a failure, or layers not needed).
    func discardLeftovers() async {
        let keys = state.withLock { state -> Set<String> in
            let keys = state.keys
            state.keys = []
            state.streamed = [:]
            return keys
        }
        for key in keys { try? await remove(key) }
    }

    private func commitStreamed(
        _ streamed: StreamedLayer, layer: OCIDescriptor, diffID: String, chainID: String, parent: String
    ) async throws {
        guard streamed.applied.diffID == diffID else {
            throw BerthError.failedPrecondition(
                "wrong diff id calculated on extraction \"\(streamed.applied.diffID)\" (expected \(diffID))")
        }
        if !parent.isEmpty, !streamed.applied.implicitDirectories.isEmpty {
            let target = try await layerPath(streamed.key)
            try LayerApplier.inheritLowerAttributes(
                root: target, implicitDirectories: streamed.applied.implicitDirectories, lowers: try await lowerPaths(parent))
        }
        try await commitSnapshot(key: streamed.key, chainID: chainID, rebasedOnto: parent.isEmpty ? nil : parent)
        try await labelUncompressed(layer, diffID: diffID)
    }

    /// containerd's way: a snapshot on the committed parent, the layer read back from the content store.
    private func applyFromStore(_ layer: OCIDescriptor, diffID: String, chainID: String, parent: String) async throws {
        let key = "extract-\(UInt32.random(in: 0...UInt32.max)) \(chainID)"
        let target = try await prepare(key: key, parent: parent.isEmpty ? nil : parent)
        do {
            let style: WhiteoutStyle = driver.layersAreIndependent ? .overlay : .remove
            let lowers = driver.layersAreIndependent && !parent.isEmpty ? try await lowerPaths(parent) : []
            let reader = try await context.content.reader(namespace: context.namespace, digest: try Digest(parsing: layer.digest))
            defer { reader.close() }
            let applied = try await BlockingThread.run {
                try LayerApplier.apply(to: target, style: style, lowers: lowers, from: reader)
            }
            guard applied.diffID == diffID else {
                throw BerthError.failedPrecondition("wrong diff id calculated on extraction \"\(applied.diffID)\" (expected \(diffID))")
            }
            try await commitSnapshot(key: key, chainID: chainID, rebasedOnto: nil)
            try await labelUncompressed(layer, diffID: diffID)
        } catch {
            try? await remove(key)
            throw error
        }
    }

    // MARK: snapshots

    /// Prepares an active snapshot and answers the directory its layer goes into (no mount).
    private func prepare(key: String, parent: String?) async throws -> String {
        let (record, _) = try await context.snapshots.create(
            namespace: context.namespace, snapshotter: context.snapshotter, key: key, parent: parent, kind: .active,
            labels: [:], lease: context.lease)
        await context.events.snapshotPrepared(namespace: context.namespace, key: key, parent: parent ?? "")
        return driver.layerPath(id: record.id)
    }

    /// Commits `key` as `chainID`; if another pull committed the same layer first, that one serves.
    private func commitSnapshot(key: String, chainID: String, rebasedOnto parent: String?) async throws {
        do {
            _ = try await context.snapshots.commit(
                namespace: context.namespace, snapshotter: context.snapshotter, name: chainID, key: key, labels: [:],
                lease: context.lease, rebasedOnto: parent)
            state.withLock { _ = $0.keys.remove(key) }
            await context.events.snapshotCommitted(namespace: context.namespace, key: key, name: chainID)
        } catch let error as BerthError where error.kind == .alreadyExists {
            try? await remove(key)
        }
    }

    private func remove(_ key: String) async throws {
        state.withLock { _ = $0.keys.remove(key) }
        try await context.snapshots.remove(namespace: context.namespace, snapshotter: context.snapshotter, key: key)
        await context.events.snapshotRemoved(namespace: context.namespace, key: key)
    }

    private func exists(_ key: String) async throws -> Bool {
        do {
            _ = try await context.snapshots.stat(namespace: context.namespace, snapshotter: context.snapshotter, key: key)
            return true
        } catch let error as BerthError where error.kind == .notFound {
            return false
        }
    }

    private func layerPath(_ key: String) async throws -> String {
        let chain = try await context.snapshots.metadata.snapshot(
            namespace: context.namespace, snapshotter: context.snapshotter, key: key)
        return driver.layerPath(id: chain.snapshot.id)
    }

    /// The directories of `parent` and its ancestors, nearest first.
    private func lowerPaths(_ parent: String) async throws -> [String] {
        let chain = try await context.snapshots.metadata.snapshot(
            namespace: context.namespace, snapshotter: context.snapshotter, key: parent)
        return ([chain.snapshot.id] + chain.parentIDs).map(driver.layerPath(id:))
    }

    // MARK: documents

    /// The host's manifest among those pulled (a lone manifest without a platform counts as the host's).
    private func chosenManifest(_ manifests: [OCIDescriptor]) async throws -> ImageManifest? {
        guard let chosen = PlatformSelection.host.select(manifests).first ?? (manifests.count == 1 ? manifests.first : nil)
        else { return nil }
        return try await document(ImageManifest.self, chosen)
    }

    private func document<T: Decodable>(_ type: T.Type, _ descriptor: OCIDescriptor) async throws -> T {
        let reader = try await context.content.reader(namespace: context.namespace, digest: try Digest(parsing: descriptor.digest))
        defer { reader.close() }
        guard reader.size <= 4 << 20 else {
            throw BerthError(.resourceExhausted, "\(descriptor.digest) is larger than 4194304 bytes")
        }
        let bytes = try reader.read(at: 0, count: Int(reader.size))
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw BerthError.failedPrecondition("\(descriptor.digest) is not a valid \(descriptor.mediaType): \(error)")
        }
    }

    /// containerd's unpacker records each layer's diff ID on the blob.
    private func labelUncompressed(_ layer: OCIDescriptor, diffID: String) async throws {
        _ = try await context.content.update(
            namespace: context.namespace, digest: try Digest(parsing: layer.digest),
            labels: ["containerd.io/uncompressed": diffID], paths: ["labels.containerd.io/uncompressed"])
    }

    static func chainID(parent: String, diffID: String) -> String {
        DigestHasher.digest(of: Array("\(parent) \(diffID)".utf8)).description
    }
}
