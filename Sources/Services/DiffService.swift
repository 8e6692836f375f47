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
        defer { reader.close() }
        var offset: Int64 = 0
        let applied = try LayerApplier.apply(to: target, style: style, lowers: lowers) { buffer in
            try Task.checkCancellation()
            let count = try reader.read(at: offset, into: buffer)
            offset += Int64(count)
            return count
        }
        return ServerResponse(message: .with {
            $0.applied = .with {
                $0.mediaType = "application/vnd.oci.image.layer.v1.tar"
                $0.digest = applied.diffID
                $0.size = applied.size
            }
        })
    }

    public func diff(
        request: ServerRequest<API.Method.Diff.Input>, context: ServerContext
    ) async throws -> ServerResponse<API.Method.Diff.Output> {
        throw BerthError.notImplemented("computing a diff between mounts is not supported by berthd yet")
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
