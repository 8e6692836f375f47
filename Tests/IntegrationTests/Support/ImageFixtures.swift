import Foundation
import Testing

/// Small real images built from real bits with Debian's tools: an OCI layout made by umoci around the static
/// busybox, and archives of it written by skopeo. Two tags share the busybox layer:
///
/// - `latest` (cmd `sh`) as an OCI archive and as a Docker `save`-style archive, both named
///   `docker.io/library/berth-test:latest`;
/// - `other` (cmd `echo`) as an OCI archive named `docker.io/library/berth-test:other`.
///
/// umoci stamps creation times into the config, so digests differ from build to build: read them from here.
struct ImageFixtures: Sendable {
    /// One image of the layout: its manifest, config and single layer.
    struct Image: Sendable {
        let name: String
        let manifest: String
        let manifestSize: Int
        let config: String
        let configSize: Int
        /// The gzip-compressed layer as the OCI manifest names it.
        let layer: String
        let layerSize: Int
        /// The uncompressed layer's digest (the config's diff ID): what a Docker archive stores.
        let diffID: String

        /// Every blob the image is made of, as ctr's `content ls -q` prints them.
        var blobs: Set<String> { [manifest, config, layer] }
    }

    static let imageName = "docker.io/library/berth-test"

    let directory: String
    let layout: String
    /// OCI archive of `latest`, named `docker.io/library/berth-test:latest`.
    let ociArchive: String
    /// OCI archive of `other` (same layer, another config), named `docker.io/library/berth-test:other`.
    let otherOCIArchive: String
    /// Docker `save`-style archive of `latest`, tagged `docker.io/library/berth-test:latest`.
    let dockerArchive: String
    let latest: Image
    let other: Image
    /// The size of the uncompressed layer tar, as the Docker archive holds it.
    let dockerLayerSize: Int

    // MARK: Building

    static let umoci = URL(fileURLWithPath: "/usr/bin/umoci")
    static let skopeo = URL(fileURLWithPath: "/usr/bin/skopeo")
    static let busybox = "/bin/busybox"

    /// Builds the layout and the archives in a fresh folder under /tmp (about half a second).
    static func build() throws -> ImageFixtures {
        let directory = "/tmp/berth-fixtures-\(UUID().uuidString.prefix(8))"
        do {
            return try build(in: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func build(in directory: String) throws -> ImageFixtures {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let layout = directory + "/layout"
        let bundle = directory + "/bundle"
        try run(umoci, ["init", "--layout", layout])
        try run(umoci, ["new", "--image", layout + ":latest"])
        try run(umoci, ["unpack", "--image", layout + ":latest", bundle])
        let bin = bundle + "/rootfs/bin"
        try files.createDirectory(atPath: bin, withIntermediateDirectories: true)
        try files.copyItem(atPath: busybox, toPath: bin + "/busybox")
        for applet in ["sh", "true", "echo", "cat", "sleep", "id", "hostname", "env"] {
            try files.createSymbolicLink(atPath: bin + "/" + applet, withDestinationPath: "busybox")
        }
        try run(umoci, ["repack", "--image", layout + ":latest", bundle])
        try run(umoci, ["config", "--image", layout + ":latest", "--config.cmd", "sh"])
        try run(umoci, ["config", "--image", layout + ":latest", "--tag", "other", "--config.cmd", "echo"])
        try run(umoci, ["gc", "--layout", layout])
        try files.removeItem(atPath: bundle)

        let ociArchive = directory + "/berth-test.oci.tar"
        let otherOCIArchive = directory + "/berth-test-other.oci.tar"
        let dockerArchive = directory + "/berth-test.docker.tar"
        // The name after the path is stored as the org.opencontainers.image.ref.name annotation (OCI) or the
        // RepoTag (Docker); `ctr images import` takes a full reference there as the image name unchanged.
        try run(skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):latest",
            "oci-archive:\(ociArchive):\(imageName):latest"])
        try run(skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):other",
            "oci-archive:\(otherOCIArchive):\(imageName):other"])
        try run(skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):latest",
            "docker-archive:\(dockerArchive):\(imageName):latest"])

        let latest = try image(tag: "latest", in: layout)
        let other = try image(tag: "other", in: layout)
        let dockerLayer = try TarArchive(path: dockerArchive).member(named: latest.diffID.dropSHA256 + ".tar")
        return ImageFixtures(
            directory: directory, layout: layout, ociArchive: ociArchive, otherOCIArchive: otherOCIArchive,
            dockerArchive: dockerArchive, latest: latest, other: other, dockerLayerSize: dockerLayer.size)
    }

    /// Reads a tag's manifest, config and layer out of the OCI layout.
    private static func image(tag: String, in layout: String) throws -> Image {
        let index = try json(atPath: layout + "/index.json")
        let manifests = index["manifests"] as? [[String: Any]] ?? []
        guard
            let entry = manifests.first(where: {
                ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == tag
            }),
            let manifestDigest = entry["digest"] as? String, let manifestSize = entry["size"] as? Int
        else { throw TestFailure("no manifest tagged \(tag) in \(layout)/index.json") }
        let manifest = try json(atPath: blobPath(manifestDigest, in: layout))
        guard let config = manifest["config"] as? [String: Any], let configDigest = config["digest"] as? String,
            let configSize = config["size"] as? Int,
            let layers = manifest["layers"] as? [[String: Any]], layers.count == 1,
            let layerDigest = layers[0]["digest"] as? String, let layerSize = layers[0]["size"] as? Int
        else { throw TestFailure("unexpected manifest \(manifestDigest)") }
        let configJSON = try json(atPath: blobPath(configDigest, in: layout))
        guard let rootfs = configJSON["rootfs"] as? [String: Any], let diffIDs = rootfs["diff_ids"] as? [String],
            diffIDs.count == 1
        else { throw TestFailure("unexpected config \(configDigest)") }
        return Image(
            name: "\(imageName):\(tag)", manifest: manifestDigest, manifestSize: manifestSize, config: configDigest,
            configSize: configSize, layer: layerDigest, layerSize: layerSize, diffID: diffIDs[0])
    }

    private static func blobPath(_ digest: String, in layout: String) -> String {
        layout + "/blobs/sha256/" + digest.dropSHA256
    }

    private static func json(atPath path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw TestFailure("\(path) is not a JSON object")
        }
        return object
    }

    @discardableResult
    static func run(_ tool: URL, _ arguments: [String]) throws -> CommandResult {
        let result = try Command.run(tool, arguments, timeout: 60)
        guard result.status == 0 else {
            throw TestFailure("\(tool.lastPathComponent) \(arguments.joined(separator: " ")) failed:\n\(result)")
        }
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Damaged copies

    /// A copy of `archive` cut in the middle of the member `member` (a path inside the tar), written to `path`.
    static func truncated(_ archive: String, inMember member: String, to path: String) throws {
        let tar = try TarArchive(path: archive)
        let entry = try tar.member(named: member)
        try tar.data.prefix(entry.offset + entry.size / 2).write(to: URL(fileURLWithPath: path))
    }

    /// A copy of `archive` with 16 bytes flipped in the middle of the member `member`, written to `path`: the tar
    /// stays well-formed, only that member's content (and so its digest) changes.
    static func corrupted(_ archive: String, inMember member: String, to path: String) throws {
        let tar = try TarArchive(path: archive)
        let entry = try tar.member(named: member)
        var bytes = tar.data
        let start = entry.offset + max(0, entry.size / 2 - 8)
        for index in start..<min(start + 16, entry.offset + entry.size) { bytes[index] ^= 0xFF }
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    // MARK: Sharing within a suite

    /// The fixtures of the running suite (see `.imageFixtures`).
    @TaskLocal static var suiteFixtures: ImageFixtures?

    /// The fixtures of the running suite. Every suite that uses them carries `.imageFixtures`, which removes
    /// them afterwards; there are no process-wide fixtures left in /tmp.
    static func current() throws -> ImageFixtures {
        guard let suiteFixtures else { throw TestFailure("the suite needs the .imageFixtures trait") }
        return suiteFixtures
    }
}

/// A suite trait that builds `ImageFixtures` once before the suite's tests and removes them after the last one.
struct ImageFixturesTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let fixtures = try ImageFixtures.build()
        defer { fixtures.remove() }
        try await ImageFixtures.$suiteFixtures.withValue(fixtures) { try await function() }
    }
}

extension Trait where Self == ImageFixturesTrait {
    /// Builds the test images once for the suite (see `ImageFixtures`) and removes them when it ends.
    static var imageFixtures: Self { Self() }
}

/// Just enough of a ustar reader to find where a member's bytes lie in an archive.
struct TarArchive {
    struct Member {
        let name: String
        /// Where the member's content starts in the archive.
        let offset: Int
        let size: Int
    }

    let data: Data
    let members: [Member]

    init(path: String) throws {
        data = try Data(contentsOf: URL(fileURLWithPath: path))
        var members: [Member] = []
        var offset = 0
        var paxPath: String?
        let bytes = [UInt8](data)
        while offset + 512 <= bytes.count {
            let header = bytes[offset..<offset + 512]
            if header.allSatisfy({ $0 == 0 }) { break }
            func field(_ start: Int, _ length: Int) -> String {
                let slice = bytes[(offset + start)..<(offset + start + length)]
                return String(decoding: slice.prefix { $0 != 0 }, as: UTF8.self)
            }
            let sizeText = field(124, 12).trimmingCharacters(in: .whitespaces)
            guard let size = Int(sizeText.isEmpty ? "0" : sizeText, radix: 8) else {
                throw TestFailure("\(path): bad tar header at \(offset)")
            }
            let type = bytes[offset + 156]
            let content = offset + 512
            var name = field(0, 100)
            if field(257, 5) == "ustar" {
                let prefix = field(345, 155)
                if !prefix.isEmpty { name = prefix + "/" + name }
            }
            switch type {
            case UInt8(ascii: "x"):
                // A PAX extended header: its "path" record names the next member.
                let records = String(decoding: bytes[content..<min(content + size, bytes.count)], as: UTF8.self)
                for record in records.split(separator: "\n") {
                    if let range = record.range(of: " path=") { paxPath = String(record[range.upperBound...]) }
                }
            case UInt8(ascii: "g"):
                break
            default:
                members.append(Member(name: paxPath ?? name, offset: content, size: size))
                paxPath = nil
            }
            offset = content + (size + 511) / 512 * 512
        }
        self.members = members
    }

    func member(named name: String) throws -> Member {
        guard let member = members.first(where: { $0.name == name }) else {
            throw TestFailure("no member \(name) in tar; members: \(members.map(\.name))")
        }
        return member
    }
}

extension String {
    /// The hex part of a `sha256:<hex>` digest.
    var dropSHA256: String { hasPrefix("sha256:") ? String(dropFirst("sha256:".count)) : self }
}
