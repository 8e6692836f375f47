import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Export, and round trips through import, skopeo and umoci.
@Suite("Export and round trips", .enabled(if: Tools.imageToolsAvailable, "needs umoci, skopeo and busybox-static"))
struct ExportTests {
    @Test("import an OCI archive, export it, and skopeo, umoci and the importer read the result")
    func roundTrip() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("in.tar")
        try Fixtures.ociArchive(from: layout, to: archive, name: "latest")

        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(
            at: archive, into: store, options: ImportOptions(baseName: "example.com/busybox"))
        #expect(images.map(\.name) == ["example.com/busybox:latest"])

        let out = directory.file("out.tar")
        try await ArchiveExporter.export(
            images: images.map { ($0.name, $0.target) }, from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)

        // The entries containerd's exporter writes, sorted, blobs once each.
        let listing = try Tools.run("/usr/bin/tar", ["-tf", out]).split(separator: "\n").map(String.init)
        let blobs = await store.digests.map { "blobs/" + $0.replacingOccurrences(of: ":", with: "/") }.sorted()
        #expect(listing == ["blobs/", "blobs/sha256/"] + blobs + ["index.json", "manifest.json", "oci-layout"])

        let inspect = try Tools.run(Tools.skopeo, ["inspect", "oci-archive:\(out)"])
        #expect(inspect.contains("\"Digest\": \"\(images[0].target.digest)\""))

        // umoci unpacks it by its tag, and gets busybox back.
        let extracted = directory.file("extracted")
        try FileManager.default.createDirectory(atPath: extracted, withIntermediateDirectories: true)
        try Tools.run("/usr/bin/tar", ["-xf", out, "-C", extracted])
        let index = String(decoding: try Data(contentsOf: URL(fileURLWithPath: extracted + "/index.json")), as: UTF8.self)
        #expect(index.contains(#""io.containerd.image.name":"example.com/busybox:latest","org.opencontainers.image.ref.name":"latest""#))
        let bundle = directory.file("unpacked")
        try Tools.run(Tools.umoci, ["unpack", "--rootless", "--image", extracted + ":latest", bundle])
        let original = try FileManager.default.attributesOfItem(atPath: Tools.busybox)[.size] as? Int
        let unpacked = try FileManager.default.attributesOfItem(atPath: bundle + "/rootfs/bin/busybox")[.size] as? Int
        #expect(original != nil && original == unpacked)

        // The Docker-compatible manifest.json, as ctr writes it.
        let manifestJSON = String(decoding: try Data(contentsOf: URL(fileURLWithPath: extracted + "/manifest.json")), as: UTF8.self)
        #expect(manifestJSON.hasPrefix(#"[{"Config":"blobs/sha256/"#))
        #expect(manifestJSON.contains(#""RepoTags":["example.com/busybox:latest"]"#))

        // Importing the export gives the same image.
        let again = MemoryContentStore()
        let reimported = try await ArchiveImporter.importArchive(at: out, into: again, options: ImportOptions())
        #expect(reimported.map(\.name) == ["example.com/busybox:latest"])
        #expect(reimported[0].target.digest == images[0].target.digest)
        #expect(await again.digests == store.digests)

        // skopeo reads it as a docker archive too (through manifest.json).
        let dockerInspect = try Tools.run(Tools.skopeo, ["inspect", "--raw", "docker-archive:\(out)"])
        #expect(dockerInspect.contains("schemaVersion"))
    }

    @Test("a Docker archive round trip: skopeo reads the export, names are familiar in manifest.json")
    func dockerRoundTrip() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("docker.tar")
        try Fixtures.dockerArchive(from: layout, to: archive, name: "busybox:1.0")

        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions())
        let out = directory.file("out.tar")
        try await ArchiveExporter.export(
            images: images.map { ($0.name, $0.target) }, from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        let manifestJSON = try Tools.run("/usr/bin/tar", ["-xOf", out, "manifest.json"])
        #expect(manifestJSON.contains(#""RepoTags":["busybox:1.0"]"#))
        let inspect = try Tools.run(Tools.skopeo, ["inspect", "oci-archive:\(out)"])
        #expect(inspect.contains(images[0].target.digest))
        try Tools.run(Tools.skopeo, ["--insecure-policy", "copy", "-q", "oci-archive:\(out)", "oci:\(directory.file("copied")):copied"])
    }

    @Test("a multi-platform index: only the host's manifest by default, every manifest with --all-platforms")
    func platforms() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let store = MemoryContentStore()
        // The busybox image for the host, and a second manifest for another platform sharing its layer.
        let hostManifest = try Fixtures.index(of: layout).manifests[0]
        let hostBytes = try Fixtures.blob(layout, hostManifest.digest)
        let host = try JSONDecoder().decode(ImageManifest.self, from: Data(hostBytes))
        await store.put(hostBytes)
        await store.put(try Fixtures.blob(layout, host.config.digest))
        await store.put(try Fixtures.blob(layout, host.layers[0].digest))
        let otherArchitecture = ArchivePlatforms.host.architecture == "s390x" ? "ppc64le" : "s390x"
        let otherConfig = Array(#"{"architecture":"\#(otherArchitecture)","os":"linux","rootfs":{"type":"layers","diff_ids":[]}}"#.utf8)
        let otherConfigDigest = await store.put(otherConfig)
        let otherManifestBytes = GoJSON.dockerManifest(
            config: OCIDescriptor(mediaType: MediaTypes.ociConfig, digest: otherConfigDigest, size: Int64(otherConfig.count)),
            layers: host.layers)
        let otherManifest = await store.put(otherManifestBytes)
        let hostPlatform = ArchivePlatforms.host
        let indexBytes = GoJSON.index([
            OCIDescriptor(mediaType: MediaTypes.ociManifest, digest: hostManifest.digest, size: hostManifest.size, platform: hostPlatform),
            OCIDescriptor(mediaType: MediaTypes.dockerManifest, digest: otherManifest, size: Int64(otherManifestBytes.count),
                          platform: OCIPlatform(os: "linux", architecture: otherArchitecture)),
        ])
        let indexDigest = await store.put(indexBytes)
        let target = OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: indexDigest, size: Int64(indexBytes.count))

        func exported(_ options: ExportOptions) async throws -> [String] {
            let out = directory.file("out-\(UUID().uuidString).tar")
            try await ArchiveExporter.export(images: [("example.com/multi:1", target)], from: store, to: out, options: options)
            return try Tools.run("/usr/bin/tar", ["-tf", out]).split(separator: "\n").map(String.init)
        }
        func path(_ digest: String) -> String { "blobs/" + digest.replacingOccurrences(of: ":", with: "/") }

        let hostOnly = try await exported(ExportOptions())
        #expect(hostOnly.contains(path(indexDigest)) && hostOnly.contains(path(hostManifest.digest)))
        #expect(!hostOnly.contains(path(otherManifest)) && !hostOnly.contains(path(otherConfigDigest)))
        let all = try await exported(ExportOptions(allPlatforms: true))
        #expect(all.contains(path(otherManifest)) && all.contains(path(otherConfigDigest)) && all.contains(path(hostManifest.digest)))
        #expect(Set(all).count == all.count)

        // Only the other platform, explicitly.
        let other = try await exported(ExportOptions(platform: OCIPlatform(os: "linux", architecture: otherArchitecture)))
        #expect(other.contains(path(otherManifest)) && !other.contains(path(hostManifest.digest)))
        // A platform the index does not have: ctr's "no manifest found for platform".
        await expectBerthError([.notFound], containing: "no manifest found for platform") {
            try await exported(ExportOptions(platform: OCIPlatform(os: "linux", architecture: "mips64")))
        }
        #expect(try directory.contents().filter { $0.hasPrefix(".") }.isEmpty)  // no temporary file left behind

        // Import of the full export: by default only the host's content is imported and labelled.
        let out = directory.file("all.tar")
        try await ArchiveExporter.export(
            images: [("example.com/multi:1", target)], from: store, to: out, options: ExportOptions(allPlatforms: true))
        let hostImport = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(at: out, into: hostImport, options: ImportOptions())
        #expect(images == [ImportedImage(name: "example.com/multi:1", target: {
            var annotated = target
            annotated.annotations = ["io.containerd.image.name": "example.com/multi:1", "org.opencontainers.image.ref.name": "1"]
            return annotated
        }())])
        #expect(await hostImport.labels(indexDigest) == ["containerd.io/gc.ref.content.m.0": hostManifest.digest])
        #expect(await hostImport.bytes(otherManifest) == nil)
        let everything = MemoryContentStore()
        _ = try await ArchiveImporter.importArchive(at: out, into: everything, options: ImportOptions(allPlatforms: true))
        #expect(await everything.labels(indexDigest) == [
            "containerd.io/gc.ref.content.m.0": hostManifest.digest, "containerd.io/gc.ref.content.m.1": otherManifest,
        ])
        #expect(await everything.digests == store.digests)

        // A host-only export imports with the default platform, though the other platform's blobs are absent.
        let hostOut = directory.file("host.tar")
        try await ArchiveExporter.export(images: [("example.com/multi:1", target)], from: store, to: hostOut, options: ExportOptions())
        _ = try await ArchiveImporter.importArchive(at: hostOut, into: MemoryContentStore(), options: ImportOptions())
        await expectBerthError([.failedPrecondition], containing: "is not in the archive") {
            try await ArchiveImporter.importArchive(at: hostOut, into: MemoryContentStore(), options: ImportOptions(allPlatforms: true))
        }
    }
}

/// Export checks that need no external tools.
@Suite("Export")
struct ExportUnitTests {
    @Test("content that does not match its descriptor fails the export and leaves no file")
    func corruptSource() async throws {
        let directory = try TemporaryDirectory()
        let store = MemoryContentStore()
        let layer = Array(repeating: UInt8(7), count: 300_000)
        let layerDigest = await store.put(layer)
        let config = Array(#"{"architecture":"amd64","os":"linux"}"#.utf8)
        let configDigest = await store.put(config)
        let manifest = GoJSON.dockerManifest(
            config: OCIDescriptor(mediaType: MediaTypes.dockerConfig, digest: configDigest, size: Int64(config.count)),
            layers: [OCIDescriptor(mediaType: MediaTypes.dockerLayerGzip, digest: layerDigest, size: Int64(layer.count))])
        let manifestDigest = await store.put(manifest)
        let target = OCIDescriptor(mediaType: MediaTypes.dockerManifest, digest: manifestDigest, size: Int64(manifest.count))
        let out = directory.file("out.tar")

        try await ArchiveExporter.export(images: [("docker.io/library/x:1", target)], from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        #expect(FileManager.default.fileExists(atPath: out))
        try FileManager.default.removeItem(atPath: out)

        await store.corrupt(layerDigest, with: Array(repeating: UInt8(8), count: 300_000))
        await expectBerthError([.failedPrecondition], containing: "unexpected digest") {
            try await ArchiveExporter.export(images: [("docker.io/library/x:1", target)], from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        }
        await store.corrupt(layerDigest, with: Array(repeating: UInt8(7), count: 300_001))
        await expectBerthError([.failedPrecondition], containing: "more bytes than its descriptor") {
            try await ArchiveExporter.export(images: [("docker.io/library/x:1", target)], from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        }
        await store.corrupt(manifestDigest, with: Array(manifest.dropLast()))
        await expectBerthError([.failedPrecondition], containing: "does not match its descriptor") {
            try await ArchiveExporter.export(images: [("docker.io/library/x:1", target)], from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        }
        #expect(try directory.contents().isEmpty)
    }

    @Test("only manifests and indexes may be exported; an existing file is replaced only on success")
    func arguments() async throws {
        let directory = try TemporaryDirectory()
        let store = MemoryContentStore()
        let blob = Array("layer".utf8)
        let digest = await store.put(blob)
        let out = directory.file("out.tar")
        try Data("previous".utf8).write(to: URL(fileURLWithPath: out))
        await expectBerthError([.invalidArgument], containing: "only manifests may be exported") {
            try await ArchiveExporter.export(
                images: [("x", OCIDescriptor(mediaType: MediaTypes.ociLayerGzip, digest: digest, size: 5))], from: store, to: out,
                allPlatforms: false, platform: ArchivePlatforms.host)
        }
        await expectBerthError([.invalidArgument], containing: "no images") {
            try await ArchiveExporter.export(images: [], from: store, to: out, allPlatforms: false, platform: ArchivePlatforms.host)
        }
        #expect(try String(contentsOfFile: out, encoding: .utf8) == "previous")
        #expect(try directory.contents() == ["out.tar"])
    }
}
