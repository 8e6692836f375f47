import BerthCore
import Distribution
import Foundation
import OCI

/// A real image built from /bin/busybox with umoci: tag `amd64` (linux/amd64), tag `arm64`
/// (same layer, arm64 config) and tag `multi`, an OCI index of both.
struct ImageFixture: Sendable {
    let layout: String

    static func build(in directory: String) async throws -> ImageFixture {
        let layout = directory + "/oci"
        let bundle = directory + "/bundle"
        try await run("/usr/bin/umoci", ["init", "--layout", layout])
        try await run("/usr/bin/umoci", ["new", "--image", "\(layout):amd64"])
        try await run("/usr/bin/umoci", ["unpack", "--image", "\(layout):amd64", bundle])
        try FileManager.default.createDirectory(atPath: bundle + "/rootfs/bin", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: bundle + "/rootfs/bin/busybox")
        try FileManager.default.createSymbolicLink(atPath: bundle + "/rootfs/bin/sh", withDestinationPath: "busybox")
        try await run("/usr/bin/umoci", ["repack", "--image", "\(layout):amd64", bundle])
        try await run("/usr/bin/umoci", [
            "config", "--image", "\(layout):amd64", "--config.cmd", "/bin/sh", "--architecture", "amd64", "--os", "linux",
        ])
        try await run("/usr/bin/umoci", [
            "config", "--image", "\(layout):amd64", "--tag", "arm64", "--architecture", "arm64", "--os", "linux",
        ])
        try FileManager.default.removeItem(atPath: bundle)

        // umoci makes no indexes: write one naming both manifests with their platforms.
        let indexPath = layout + "/index.json"
        var top = try JSONDecoder().decode(ImageIndex.self, from: Data(contentsOf: URL(fileURLWithPath: indexPath)))
        let children = top.manifests.compactMap { descriptor -> OCIDescriptor? in
            guard let architecture = descriptor.annotations?["org.opencontainers.image.ref.name"] else { return nil }
            return OCIDescriptor(
                mediaType: descriptor.mediaType, digest: descriptor.digest, size: descriptor.size,
                platform: OCIPlatform(os: "linux", architecture: architecture))
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let index = try encoder.encode(ImageIndex(manifests: children))
        let digest = try digestOf(Array(index))
        try index.write(to: URL(fileURLWithPath: layout + "/blobs/sha256/" + digest.encoded))
        top.manifests.append(OCIDescriptor(
            mediaType: MediaTypes.ociIndex, digest: digest.description, size: Int64(index.count),
            annotations: ["org.opencontainers.image.ref.name": "multi"]))
        try encoder.encode(top).write(to: URL(fileURLWithPath: indexPath))
        return ImageFixture(layout: layout)
    }

    /// `skopeo copy` of a tag of the layout to `destination` (`127.0.0.1:PORT/repo:tag`).
    func push(_ tag: String, to destination: String, credentials: String? = nil) async throws {
        var arguments = ["copy", "--quiet", "--dest-tls-verify=false"]
        if let credentials { arguments += ["--dest-creds", credentials] }
        if tag == "multi" { arguments.append("--all") }
        arguments += ["oci:\(layout):\(tag)", "docker://\(destination)"]
        try await run("/usr/bin/skopeo", arguments)
    }

    /// A blob of the layout.
    func blob(_ digest: String) throws -> [UInt8] {
        let hex = digest.split(separator: ":").last.map(String.init) ?? digest
        return Array(try Data(contentsOf: URL(fileURLWithPath: layout + "/blobs/sha256/" + hex)))
    }
}

/// The raw manifest as the registry serves it, by skopeo.
func skopeoRaw(_ image: String, credentials: String? = nil) async throws -> [UInt8] {
    var arguments = ["inspect", "--raw", "--tls-verify=false"]
    if let credentials { arguments += ["--creds", credentials] }
    return Array(try await run("/usr/bin/skopeo", arguments + ["docker://\(image)"]).stdout)
}

func digestOf(_ bytes: [UInt8]) throws -> Digest {
    try DigestVerifier.digest(of: bytes)
}
