import BerthCore
import Foundation
import OCI

/// Pulls an image into a ContentSink the way containerd's Pull does: resolve the reference,
/// store the index and the selected platforms' manifests (with their gc.ref labels), then
/// download configs and layers, a few at a time, skipping what the sink has and resuming what
/// it has part of.
public final class ImagePuller: Sendable {
    /// Gets each layer's bytes while they download (e.g. to decompress and apply them at once).
    /// Called once per layer digest that is downloaded from its first byte, concurrently for up
    /// to `maxConcurrentDownloads` layers, in no particular order (use `manifests` in the result
    /// or the LayerStream's descriptor to put them in order). Layers that were present or resumed
    /// are not observed; `PullResult.observedLayers` says which were. Throwing fails the pull.
    public typealias LayerObserver = @Sendable (LayerStream) async throws -> Void

    public let client: RegistryClient
    public let sink: any ContentSink
    public let options: Options

    public init(client: RegistryClient, sink: any ContentSink, options: Options = Options()) {
        self.client = client
        self.sink = sink
        self.options = options
    }

    /// Pulls `reference`. Progress updates go to `progress`, which is finished when the pull ends.
    public func pull(_ reference: Reference, progress: AsyncStream<TransferProgress>.Continuation? = nil) async throws -> PullResult {
        defer { progress?.finish() }
        let session = PullSession(reference: reference, progress: progress)
        progress?.yield(TransferProgress(ref: reference.string, descriptor: nil, status: .resolving))
        let resolved = try await client.resolve(reference)
        progress?.yield(TransferProgress(ref: reference.string, descriptor: resolved.descriptor, status: .resolved))

        let tree = try await walk(resolved.descriptor, session: session)
        try await options.manifestsStored?(tree.manifests)
        var seen: Set<String> = []
        let unique = tree.blobs.filter { seen.insert($0.digest).inserted }
        try await fetchBlobs(unique, session: session)
        return PullResult(
            name: resolved.name, root: resolved.descriptor, manifests: tree.manifests, blobs: unique,
            bytesFetched: session.bytesFetched, observedLayers: session.observed)
    }

    /// Stores the documents under `descriptor` and answers the platform manifests and the configs
    /// and layers they name, in index order.
    func walk(_ descriptor: OCIDescriptor, session: PullSession) async throws -> (manifests: [OCIDescriptor], blobs: [OCIDescriptor]) {
        try checkCancellation()
        if MediaTypes.isIndex(descriptor.mediaType) {
            let bytes = try await client.fetchData(descriptor, from: session.reference)
            let index = try Self.decode(ImageIndex.self, bytes, descriptor)
            try Self.validate(index.manifests, in: descriptor)
            try await storeDocument(descriptor, bytes, children: index.manifests, session: session)
            let selected = options.platforms.select(index.manifests)
            if selected.isEmpty, !index.manifests.isEmpty {
                let available = index.manifests.compactMap { $0.platform?.formatted }.joined(separator: ", ")
                throw BerthError.notFound("\(session.reference): no manifest for the requested platforms (\(available) available)")
            }
            let found = try await withThrowingTaskGroup(of: (Int, [OCIDescriptor], [OCIDescriptor]).self) { group in
                for (position, child) in selected.enumerated() {
                    group.addTask {
                        let tree = try await self.walk(child, session: session)
                        return (position, tree.manifests, tree.blobs)
                    }
                }
                var found: [(Int, [OCIDescriptor], [OCIDescriptor])] = []
                for try await result in group { found.append(result) }
                return found.sorted { $0.0 < $1.0 }
            }
            return (found.flatMap(\.1), found.flatMap(\.2))
        }
        if MediaTypes.isManifest(descriptor.mediaType) {
            let bytes = try await client.fetchData(descriptor, from: session.reference)
            let manifest = try Self.decode(ImageManifest.self, bytes, descriptor)
            let children = [manifest.config] + manifest.layers
            try Self.validate(children, in: descriptor)
            try await storeDocument(descriptor, bytes, children: children, session: session)
            return ([descriptor], children)
        }
        if RegistryClient.schema1MediaTypes.contains(descriptor.mediaType) {
            throw BerthError.notImplemented("\(session.reference): schema 1 manifests are not supported")
        }
        return ([], [descriptor])
    }

    /// Children name content by digest: anything but a well-formed digest and size is refused
    /// before it reaches the sink (or a URL).
    static func validate(_ children: [OCIDescriptor], in parent: OCIDescriptor) throws {
        for child in children {
            do {
                _ = try Digest(parsing: child.digest)
            } catch let error as BerthError {
                throw BerthError.failedPrecondition("\(parent.digest) names invalid content: \(error.message)")
            }
            guard child.size >= 0 else {
                throw BerthError.failedPrecondition("\(parent.digest) names \(child.digest) with a negative size")
            }
        }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ bytes: [UInt8], _ descriptor: OCIDescriptor) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(bytes))
        } catch {
            throw BerthError.failedPrecondition("\(descriptor.digest) is not a valid \(descriptor.mediaType): \(error)")
        }
    }
}
