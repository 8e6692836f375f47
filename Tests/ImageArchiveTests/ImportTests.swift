import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Imports of real archives: busybox-static packed with umoci, written by skopeo as oci-archive and
/// docker-archive.
@Suite("Import of real archives", .enabled(if: Tools.imageToolsAvailable, "needs umoci, skopeo and busybox-static"))
struct ImportTests {
    @Test("an OCI archive from skopeo: names, blobs and GC labels")
    func ociArchive() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("oci.tar")
        try Fixtures.ociArchive(from: layout, to: archive, name: "latest")
        let manifestDescriptor = try Fixtures.index(of: layout).manifests[0]
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(Fixtures.blob(layout, manifestDescriptor.digest)))

        let store = MemoryContentStore()
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let images = try await ArchiveImporter.importArchive(
            at: archive, into: store, options: ImportOptions(digests: true, date: date))

        let prefix = ImportOptions.defaultBaseName(for: date)
        #expect(images.map(\.name) == ["\(prefix):latest", "\(prefix)@\(manifestDescriptor.digest)"])
        #expect(images.allSatisfy { $0.target.digest == manifestDescriptor.digest && $0.target.mediaType == MediaTypes.ociManifest })
        #expect(images[0].target.annotations?["org.opencontainers.image.ref.name"] == "latest")

        // Manifest, config and the layer; not index.json (no --index-name).
        let expected = Set([manifestDescriptor.digest, manifest.config.digest] + manifest.layers.map(\.digest))
        #expect(await store.digests == expected)
        #expect(await store.bytes(manifest.layers[0].digest) == (try Fixtures.blob(layout, manifest.layers[0].digest)))
        #expect(await store.labels(manifestDescriptor.digest) == [
            "containerd.io/gc.ref.content.config": manifest.config.digest,
            "containerd.io/gc.ref.content.l.0": manifest.layers[0].digest,
        ])
        #expect(await store.labels(manifest.config.digest) == [:])
        #expect(await store.abortedStores == 0)
    }

    @Test("--base-name names tags under it; --index-name keeps index.json with m.<i> labels")
    func baseNameAndIndexName() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("oci.tar")
        try Fixtures.ociArchive(from: layout, to: archive, name: "1.36")
        let manifestDescriptor = try Fixtures.index(of: layout).manifests[0]

        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(
            at: archive, into: store,
            options: ImportOptions(baseName: "example.com/busybox", digests: true, skipDigestForNamed: true, indexName: "example.com/busybox:index"))

        #expect(images.map(\.name) == ["example.com/busybox:index", "example.com/busybox:1.36"])
        let index = images[0].target
        #expect(index.mediaType == MediaTypes.ociIndex)
        let indexBytes = try #require(await store.bytes(index.digest))
        #expect(Int64(indexBytes.count) == index.size)
        #expect(await store.labels(index.digest) == ["containerd.io/gc.ref.content.m.0": manifestDescriptor.digest])
    }

    @Test("--base-name drops full references that are not under it")
    func baseNameFilters() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("oci.tar")
        try Fixtures.ociArchive(from: layout, to: archive, name: "busybox:1.0")

        let kept = try await ArchiveImporter.importArchive(at: archive, into: MemoryContentStore(), options: ImportOptions())
        #expect(kept.map(\.name) == ["busybox:1.0"])
        let dropped = try await ArchiveImporter.importArchive(
            at: archive, into: MemoryContentStore(), options: ImportOptions(baseName: "example.com/other"))
        #expect(dropped.isEmpty)
        let digests = try await ArchiveImporter.importArchive(
            at: archive, into: MemoryContentStore(), options: ImportOptions(baseName: "busybox", digests: true))
        #expect(digests.map(\.name).first == "busybox:1.0")
        #expect(digests.count == 2 && digests[1].name.hasPrefix("busybox@sha256:"))
    }

    @Test("a Docker archive from skopeo: schema 2 manifest built like containerd's, with GC labels")
    func dockerArchive() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("docker.tar")
        try Fixtures.dockerArchive(from: layout, to: archive, name: "busybox:1.0")
        let ociManifest = try JSONDecoder().decode(
            ImageManifest.self, from: Data(Fixtures.blob(layout, try Fixtures.index(of: layout).manifests[0].digest)))

        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(indexName: "kept-index"))
        #expect(images.map(\.name) == ["kept-index", "docker.io/library/busybox:1.0"])
        let target = images[1].target
        #expect(target.mediaType == MediaTypes.dockerManifest)
        #expect(target.annotations == [
            "io.containerd.image.name": "docker.io/library/busybox:1.0", "org.opencontainers.image.ref.name": "1.0",
        ])
        #expect(target.platform.map { ArchivePlatforms.normalize($0) } == ArchivePlatforms.normalize(ArchivePlatforms.host))

        let manifestBytes = try #require(await store.bytes(target.digest))
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(manifestBytes))
        #expect(manifest.mediaType == MediaTypes.dockerManifest)
        #expect(manifest.config.mediaType == MediaTypes.dockerConfig)
        #expect(manifest.config.digest == ociManifest.config.digest)
        // skopeo's docker-archive holds the layer uncompressed: its digest is the diff ID.
        #expect(manifest.layers.count == 1)
        #expect(manifest.layers[0].mediaType == "application/vnd.docker.image.rootfs.diff.tar")
        let config = try #require(await store.bytes(manifest.config.digest))
        let diffIDs = try JSONDecoder().decode(RootFS.self, from: Data(config)).rootfs.diff_ids
        #expect(manifest.layers[0].digest == diffIDs[0])
        #expect(Digester.digest(of: try #require(await store.bytes(manifest.layers[0].digest))) == diffIDs[0])
        // Go's json.Marshal of containerd's struct, byte for byte.
        let expectedJSON = #"{"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\#(manifest.config.digest)","size":\#(manifest.config.size)},"layers":[{"mediaType":"application/vnd.docker.image.rootfs.diff.tar","digest":"\#(manifest.layers[0].digest)","size":\#(manifest.layers[0].size)}]}"#
        #expect(String(decoding: manifestBytes, as: UTF8.self) == expectedJSON)

        #expect(await store.labels(target.digest) == [
            "containerd.io/gc.ref.content.config": manifest.config.digest,
            "containerd.io/gc.ref.content.l.0": manifest.layers[0].digest,
        ])
        #expect(await store.labels(images[0].target.digest) == ["containerd.io/gc.ref.content.m.0": target.digest])
        #expect(await store.storesWithoutExpectation == 1)  // the layer: digest computed while streaming
        #expect(await store.digests == [images[0].target.digest, target.digest, manifest.config.digest, manifest.layers[0].digest])
    }

    @Test("--compress-blobs gzips Docker layers and labels them with their uncompressed digest")
    func dockerCompressBlobs() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("docker.tar")
        try Fixtures.dockerArchive(from: layout, to: archive, name: "busybox:1.0")

        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(compressBlobs: true))
        let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(try #require(await store.bytes(images[0].target.digest))))
        let layer = manifest.layers[0]
        #expect(layer.mediaType == MediaTypes.dockerLayerGzip)
        let compressed = try #require(await store.bytes(layer.digest))
        #expect(compressed.starts(with: [0x1F, 0x8B, 0x08]))
        #expect(compressed[4..<8] == [0, 0, 0, 0])  // no timestamp: the same layer compresses the same way
        let config = try JSONDecoder().decode(RootFS.self, from: Data(try #require(await store.bytes(manifest.config.digest))))
        #expect(await store.labels(layer.digest) == ["containerd.io/uncompressed": config.rootfs.diff_ids[0]])

        // The compressed layer decompresses to the original.
        let file = directory.file("layer.gz")
        try Data(compressed).write(to: URL(fileURLWithPath: file))
        try Tools.run("/bin/gzip", ["-t", file])
    }

    @Test("a gzip-compressed OCI archive imports like the plain one")
    func gzipArchive() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let archive = directory.file("oci.tar")
        try Fixtures.ociArchive(from: layout, to: archive, name: "latest")
        try Tools.run("/bin/gzip", ["-k", archive])

        let plain = MemoryContentStore()
        let compressed = MemoryContentStore()
        let fromPlain = try await ArchiveImporter.importArchive(at: archive, into: plain, options: ImportOptions(baseName: "x"))
        let fromGzip = try await ArchiveImporter.importArchive(at: archive + ".gz", into: compressed, options: ImportOptions(baseName: "x"))
        #expect(fromPlain == fromGzip)
        #expect(await plain.digests == compressed.digests)
    }

    @Test("an image of another platform is filtered out unless --all-platforms or --platform selects it")
    func dockerOtherPlatform() async throws {
        let directory = try TemporaryDirectory()
        let layout = try Fixtures.busyboxLayout(in: directory)
        let other = ArchivePlatforms.host.architecture == "arm64" ? "amd64" : "arm64"
        try Tools.run(Tools.umoci, ["config", "--image", layout + ":latest", "--architecture", other])
        let archive = directory.file("docker.tar")
        try Fixtures.dockerArchive(from: layout, to: archive, name: "example.com/foreign:1")

        let store = MemoryContentStore()
        await expectBerthError([.failedPrecondition], containing: "image might be filtered out") {
            try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions())
        }
        #expect(await store.digests.isEmpty)

        let all = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(allPlatforms: true))
        #expect(all.map(\.name) == ["example.com/foreign:1"])
        #expect(all[0].target.platform?.architecture == other)
        let strict = try await ArchiveImporter.importArchive(
            at: archive, into: MemoryContentStore(), options: ImportOptions(platform: try ArchivePlatforms.parse("linux/\(other)")))
        #expect(strict == all)
    }
}

/// The rootfs part of an image config.
struct RootFS: Decodable {
    struct Layers: Decodable { var diff_ids: [String] }
    var rootfs: Layers
}
