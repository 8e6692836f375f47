import Archive
import BerthAPI
import BerthCore
import ContentStore
import Foundation
import GRPCCore
import Metadata

/// containerd.services.diff.v1.Diff
public struct DiffService: Containerd_Services_Diff_V1_Diff.ServiceProtocol {
    public typealias API = Containerd_Services_Diff_V1_Diff
    /// Layer media types Apply understands; libarchive detects the compression itself.
    static let layerMediaTypes: Set<String> = [
        "application/vnd.oci.image.layer.v1.tar", "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd", "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar", "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ]

    let content: NamespacedContent

    public init(content: NamespacedContent) {
        self.content = content
    }

    public func apply(
        request: ServerRequest<API.Method.Apply.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Apply.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let layer = try Descriptor(request.message.diff, field: "diff digest")
        guard Self.layerMediaTypes.contains(layer.mediaType) else {
            throw BerthError.notImplemented("unsupported diff media type: \(layer.mediaType)")
        }
        let (target, style, lowers) = try Self.applyTarget(request.message.mounts)
        let reader = try await content.reader(namespace: namespace, digest: layer.digest)
        defer {
            reader.close()
            HeapTrimmer.trimSoon()
        }
        let applied = try await BlockingThread.run {
            try LayerApplier.apply(to: target, style: style, lowers: lowers, from: reader)
        }
        return ServerResponse(message: .with {
            $0.applied = .with {
                $0.mediaType = "application/vnd.oci.image.layer.v1.tar"
                $0.digest = applied.diffID
                $0.size = applied.size
            }
        })
    }

    /// Writes the changes from `left` to `right` as a layer into the content store (gzip unless asked
    /// otherwise), labelled with its diff ID, as containerd's walking differ does.
    public func diff(
        request: ServerRequest<API.Method.Diff.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Diff.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let message = request.message
        guard let compression = LayerCompression(mediaType: message.mediaType) else {
            throw BerthError.notImplemented("unsupported diff media type: \(message.mediaType)")
        }
        let lease = request.metadata.lease()
        let ref = message.ref.isEmpty ? "diff-\(UUID().uuidString.lowercased())" : message.ref
        let sources = try DiffSources.resolve(left: message.left, right: message.right)
        defer { sources.release() }
        let writer = try await content.writer(namespace: namespace, ref: ref, total: 0, expected: nil, lease: lease)
        do {
            let source = sources.source
            let layer = try await BlockingThread.run {
                try LayerDiffer.diff(source, compression: compression) { try writer.write($0) }
            }
            let digest = try Digest(parsing: layer.digest)
            var labels = message.labels
            labels["containerd.io/uncompressed"] = layer.diffID
            do {
                try await content.commit(writer, namespace: namespace, size: layer.size, expected: digest, labels: labels, lease: lease)
            } catch let error as BerthError where error.kind == .alreadyExists {
                // The same layer was there already: it still gets the labels asked for.
                _ = try await content.update(
                    namespace: namespace, digest: digest, labels: labels, paths: labels.keys.map { "labels.\($0)" })
            }
            return ServerResponse(message: .with {
                $0.diff = .with {
                    $0.mediaType = layer.mediaType
                    $0.digest = layer.digest
                    $0.size = layer.size
                }
            })
        } catch {
            writer.close()
            try? content.abort(namespace: namespace, ref: ref)
            throw error
        }
    }

    /// Where to write and how: Berth's snapshotters return either a bind mount of one directory or an overlay
    /// with an upper directory, and both can take the layer directly, without mounting anything.
    static func applyTarget(_ mounts: [Containerd_Types_Mount]) throws -> (String, WhiteoutStyle, [String]) {
        guard mounts.count == 1, let mount = mounts.first else {
            throw BerthError.invalidArgument("apply needs exactly one mount, got \(mounts.count)")
        }
        switch mount.type {
        case "bind", "rbind":
            guard !mount.options.contains("ro") else { throw BerthError.invalidArgument("cannot apply a layer to a read-only mount") }
            return (mount.source, .remove, [])
        case "overlay":
            guard let upper = mount.options.first(where: { $0.hasPrefix("upperdir=") }) else {
                throw BerthError.invalidArgument("cannot apply a layer to a read-only overlay (no upperdir)")
            }
            let lowers = mount.options.first { $0.hasPrefix("lowerdir=") }
                .map { $0.dropFirst("lowerdir=".count).split(separator: ":").map(String.init) } ?? []
            return (String(upper.dropFirst("upperdir=".count)), .overlay, lowers)
        default:
            throw BerthError.invalidArgument("cannot apply a layer to a mount of type \(mount.type)")
        }
    }
}
