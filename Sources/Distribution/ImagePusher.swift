import BerthCore
import Foundation
import NIOCore
import OCI

/// Pushes an image from a ContentSource the way containerd's push does: children before
/// parents (layers and configs, then platform manifests by digest, then the root under the
/// tag), skipping blobs the repository has and mounting ones its distribution-source labels say
/// the registry has in another repository.
public final class ImagePusher: Sendable {
    public let client: RegistryClient
    public let source: any ContentSource
    public let options: Options

    public init(client: RegistryClient, source: any ContentSource, options: Options = Options()) {
        self.client = client
        self.source = source
        self.options = options
    }

    /// Pushes the tree under `root` to `reference` (its tag, or the root's digest when it has none).
    public func push(_ root: OCIDescriptor, to reference: Reference, progress: AsyncStream<TransferProgress>.Continuation? = nil) async throws -> PushResult {
        defer { progress?.finish() }
        var manifests: [(OCIDescriptor, [UInt8])] = []
        var blobs: [OCIDescriptor] = []
        try await collect(root, manifests: &manifests, blobs: &blobs)
        var seen: Set<String> = []
        blobs = blobs.filter { seen.insert($0.digest).inserted }

        var outcomes: [String: BlobPushResult] = [:]
        for blob in blobs { report(progress, blob, .waiting) }
        try await withThrowingTaskGroup(of: (String, BlobPushResult).self) { group in
            var pending = blobs.makeIterator()
            for _ in 0..<max(1, options.maxConcurrentUploads) {
                guard let next = pending.next() else { break }
                group.addTask { (next.digest, try await self.pushBlob(next, to: reference, progress: progress)) }
            }
            while let (digest, outcome) = try await group.next() {
                outcomes[digest] = outcome
                if let next = pending.next() {
                    group.addTask { (next.digest, try await self.pushBlob(next, to: reference, progress: progress)) }
                }
            }
        }
        // Children were collected after their parents; push them first.
        for (descriptor, bytes) in manifests.reversed() {
            try checkCancellation()
            let isRoot = descriptor.digest == root.digest
            if !isRoot, try await client.manifestExists(descriptor, in: reference) {
                outcomes[descriptor.digest] = .exists
                report(progress, descriptor, .exists)
                continue
            }
            report(progress, descriptor, .uploading(offset: 0, total: descriptor.size))
            try await client.pushManifest(descriptor, bytes: bytes, to: reference, tag: isRoot ? reference.tag : nil)
            if !isRoot { outcomes[descriptor.digest] = .uploaded }
            report(progress, descriptor, .done)
        }
        return PushResult(reference: reference, root: root, outcomes: outcomes)
    }

    /// Reads the documents under `descriptor`, parents before children, gathering blobs.
    private func collect(_ descriptor: OCIDescriptor, manifests: inout [(OCIDescriptor, [UInt8])], blobs: inout [OCIDescriptor]) async throws {
        if MediaTypes.isIndex(descriptor.mediaType) {
            let bytes = try await readDocument(descriptor)
            manifests.append((descriptor, bytes))
            let index = try ImagePuller.decode(ImageIndex.self, bytes, descriptor)
            try ImagePuller.validate(index.manifests, in: descriptor)
            for child in options.platforms.select(index.manifests) {
                try await collect(child, manifests: &manifests, blobs: &blobs)
            }
        } else if MediaTypes.isManifest(descriptor.mediaType) {
            let bytes = try await readDocument(descriptor)
            manifests.append((descriptor, bytes))
            let manifest = try ImagePuller.decode(ImageManifest.self, bytes, descriptor)
            try ImagePuller.validate([manifest.config] + manifest.layers, in: descriptor)
            blobs += [manifest.config] + manifest.layers
        } else {
            blobs.append(descriptor)
        }
    }

    private func readDocument(_ descriptor: OCIDescriptor) async throws -> [UInt8] {
        guard descriptor.size <= client.configuration.maxDocumentSize else {
            throw BerthError(.resourceExhausted, "\(descriptor.digest) is \(descriptor.size) bytes, over the limit for manifests")
        }
        guard try await source.info(descriptor.digest) != nil else {
            throw BerthError.notFound("cannot push \(descriptor.digest) (\(descriptor.mediaType)): not in the content store")
        }
        var bytes: [UInt8] = []
        for try await chunk in try await source.read(descriptor) {
            bytes.append(contentsOf: chunk.readableBytesView)
            guard bytes.count <= descriptor.size else { break }
        }
        var verifier = DigestVerifier(expected: try Digest(parsing: descriptor.digest))
        bytes.withUnsafeBytes { verifier.update($0) }
        try verifier.verify(size: descriptor.size)
        return bytes
    }

    private func pushBlob(_ descriptor: OCIDescriptor, to reference: Reference, progress: AsyncStream<TransferProgress>.Continuation?) async throws -> BlobPushResult {
        guard let info = try await source.info(descriptor.digest) else {
            throw BerthError.notFound("cannot push \(descriptor.digest) (\(descriptor.mediaType)): not in the content store")
        }
        let candidate = Self.mountCandidate(
            info.labels[ContentLabels.distributionSourceKey(registry: reference.domain)], target: reference.path)
        report(progress, descriptor, .uploading(offset: 0, total: descriptor.size))
        let source = self.source
        let outcome = try await client.pushBlob(descriptor, to: reference, mountFrom: candidate.map { [$0] } ?? []) {
            try await source.read(descriptor)
        }
        switch outcome {
        case .exists: report(progress, descriptor, .exists)
        case .mounted(let from): report(progress, descriptor, .mounted(from: from))
        case .uploaded: report(progress, descriptor, .done)
        }
        return outcome
    }

    /// containerd's selectRepositoryMountCandidate: the listed repository sharing the most leading
    /// path components with the target (the last such on ties), never the target itself.
    static func mountCandidate(_ label: String?, target: String) -> String? {
        guard let label, !label.isEmpty else { return nil }
        let components = target.split(separator: "/")
        var best: (Int, String)?
        for repository in label.split(separator: ",").map(String.init) where repository != target {
            let shared = zip(components, repository.split(separator: "/")).prefix { $0 == $1 }.count
            if best == nil || shared >= (best?.0 ?? 0) { best = (shared, repository) }
        }
        return best?.1
    }

    private func report(_ progress: AsyncStream<TransferProgress>.Continuation?, _ descriptor: OCIDescriptor, _ status: TransferProgress.Status) {
        progress?.yield(TransferProgress(ref: ContentLabels.refKey(descriptor), descriptor: descriptor, status: status))
    }
}
