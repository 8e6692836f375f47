import Foundation

/// Reads an image's tree of documents through the content store: what ctr's image size, platforms and
/// check need. Documents (indexes, manifests, configs) are fetched; layers are only checked for presence.
public struct ImageWalk: Sendable {
    /// A blob's bytes, or nil when the store does not have it.
    public typealias Fetch = @Sendable (OCIDescriptor) async throws -> Data?
    /// Whether the store has a blob.
    public typealias Exists = @Sendable (OCIDescriptor) async throws -> Bool

    let fetch: Fetch
    let exists: Exists

    public init(fetch: @escaping Fetch, exists: @escaping Exists) {
        self.fetch = fetch
        self.exists = exists
    }

    public struct ManifestSummary: Sendable {
        public var descriptor: OCIDescriptor
        public var platform: String?
        /// Manifest, config and layers together: what ctr reports as the image's size for a platform.
        public var size: Int64
    }

    public struct Summary: Sendable {
        /// Every descriptor reachable from the target (the target included), in walk order.
        public var descriptors: [OCIDescriptor] = []
        /// Descriptors whose blobs the store does not have.
        public var missing: [OCIDescriptor] = []
        public var manifests: [ManifestSummary] = []

        public var platforms: [String] { Set(manifests.compactMap(\.platform)).sorted() }

        /// The size for `platform` ("os/arch"), else of the first manifest.
        public func size(for platform: String) -> Int64 {
            (manifests.first { $0.platform == platform } ?? manifests.first)?.size ?? 0
        }
    }

    public func summarize(_ target: OCIDescriptor) async throws -> Summary {
        var summary = Summary()
        try await visit(target, platform: target.platform, into: &summary)
        return summary
    }

    private func visit(_ descriptor: OCIDescriptor, platform: OCIPlatform?, into summary: inout Summary) async throws {
        summary.descriptors.append(descriptor)
        let decoder = JSONDecoder()
        if MediaTypes.isIndex(descriptor.mediaType) {
            guard let body = try await fetch(descriptor) else { return summary.missing.append(descriptor) }
            for child in try decoder.decode(ImageIndex.self, from: body).manifests {
                try await visit(child, platform: child.platform, into: &summary)
            }
        } else if MediaTypes.isManifest(descriptor.mediaType) {
            guard let body = try await fetch(descriptor) else { return summary.missing.append(descriptor) }
            let manifest = try decoder.decode(ImageManifest.self, from: body)
            var resolved = platform?.formatted
            summary.descriptors.append(manifest.config)
            if let config = try await fetch(manifest.config) {
                if resolved == nil, let image = try? decoder.decode(ImageConfig.self, from: config),
                   let os = image.os, let architecture = image.architecture
                {
                    resolved = OCIPlatform(os: os, architecture: architecture, variant: image.variant).formatted
                }
            } else {
                summary.missing.append(manifest.config)
            }
            for layer in manifest.layers {
                summary.descriptors.append(layer)
                if try await !exists(layer) { summary.missing.append(layer) }
            }
            let size = descriptor.size + manifest.config.size + manifest.layers.reduce(0) { $0 + $1.size }
            summary.manifests.append(ManifestSummary(descriptor: descriptor, platform: resolved, size: size))
        } else if try await !exists(descriptor) {
            summary.missing.append(descriptor)
        }
    }
}
