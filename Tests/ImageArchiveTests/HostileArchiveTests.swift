import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Archives built with Python's tarfile, well-formed or hostile. A hostile one must fail with a clear error,
/// write nothing outside the sink, and (when the failure is found before any blob is streamed) nothing into it.
@Suite("Hostile and synthetic archives", .enabled(if: Tools.pythonAvailable, "needs python3"))
struct HostileArchiveTests {
    /// Builds `mode`'s archive, imports it, and checks the error and that nothing was written anywhere.
    private func expectRejected(
        _ mode: String, _ kinds: Set<BerthError.Kind> = [.invalidArgument], containing text: String,
        storesNothing: Bool = true, options: ImportOptions = ImportOptions(), sourceLocation: SourceLocation = #_sourceLocation
    ) async throws {
        let directory = try TemporaryDirectory()
        let archive = directory.file("archive.tar")
        try Fixtures.synthetic(mode, to: archive, in: directory)
        let before = try directory.contents()
        let store = MemoryContentStore()
        await expectBerthError(kinds, containing: text, sourceLocation: sourceLocation) {
            try await ArchiveImporter.importArchive(at: archive, into: store, options: options)
        }
        #expect(try directory.contents() == before, sourceLocation: sourceLocation)
        if storesNothing {
            #expect(await store.digests.isEmpty, sourceLocation: sourceLocation)
        }
    }

    @Test("a well-formed synthetic OCI archive imports, plain and gzip-compressed")
    func good() async throws {
        let directory = try TemporaryDirectory()
        for mode in ["good", "good-gzip"] {
            let archive = directory.file("\(mode).tar")
            try Fixtures.synthetic(mode, to: archive, in: directory)
            let store = MemoryContentStore()
            let images = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(baseName: "example.com/synthetic"))
            #expect(images.map(\.name) == ["example.com/synthetic:latest"])
            #expect(await store.digests.count == 3)
            #expect(await store.abortedStores == 0)
        }
    }

    @Test("a sink that already has a blob may skip reading it")
    func existingBlobs() async throws {
        let directory = try TemporaryDirectory()
        let archive = directory.file("good.tar")
        try Fixtures.synthetic("good", to: archive, in: directory)
        let store = MemoryContentStore(skipsExisting: true)
        let first = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(baseName: "a"))
        let second = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions(baseName: "a"))
        #expect(first == second)
        #expect(await store.skippedExisting == 3)
    }

    @Test("an archive read from a pipe is spooled for the second pass")
    func fromPipe() async throws {
        let directory = try TemporaryDirectory()
        let archive = directory.file("good.tar")
        try Fixtures.synthetic("good", to: archive, in: directory)
        let fifo = directory.file("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat \"$0\" > \"$1\"", archive, fifo]
        try writer.run()
        let store = MemoryContentStore()
        let images = try await ArchiveImporter.importArchive(at: fifo, into: store, options: ImportOptions(baseName: "example.com/piped"))
        writer.waitUntilExit()
        #expect(images.map(\.name) == ["example.com/piped:latest"])
        #expect(await store.digests.count == 3)
    }

    @Test("entry names with .. components or absolute paths")
    func escapingNames() async throws {
        try await expectRejected("dotdot", containing: "\"..\" component")
        try await expectRejected("absolute", containing: "absolute path")
        #expect(!FileManager.default.fileExists(atPath: "/tmp/imagearchive-absolute-escape.txt"))
    }

    @Test("symbolic and hard links as blobs")
    func links() async throws {
        try await expectRejected("symlink-blob", containing: "is a symbolic link")
        try await expectRejected("hardlink-blob", containing: "hard link")
        try await expectRejected("docker-symlink-escape", containing: "outside the archive")
        try await expectRejected("duplicate-entry", containing: "appears more than once")
    }

    @Test("blobs whose bytes do not match their digest, or are larger than their descriptor")
    func digestsAndSizes() async throws {
        // A layer is streamed: the sink sees its bytes, but the stream fails before it ends, so nothing commits.
        try await expectRejected("bad-layer-digest", containing: "does not match its digest", storesNothing: true)
        try await expectRejected("bad-config-digest", containing: "does not match its digest")
        try await expectRejected("layer-larger-than-descriptor", containing: "but its descriptor says")
        try await expectRejected("docker-blobs-bad-digest", containing: "does not match its digest")
    }

    @Test("the streamed layer's mismatch aborts the sink's store")
    func streamedMismatchAborts() async throws {
        let directory = try TemporaryDirectory()
        let archive = directory.file("archive.tar")
        try Fixtures.synthetic("bad-layer-digest", to: archive, in: directory)
        let store = MemoryContentStore()
        await expectBerthError([.invalidArgument], containing: "does not match its digest") {
            try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions())
        }
        #expect(await store.abortedStores == 1)
        #expect(await store.digests.isEmpty)
    }

    @Test("missing blobs")
    func missing() async throws {
        try await expectRejected("missing-layer", [.failedPrecondition], containing: "is not in the archive")
        try await expectRejected("missing-manifest", [.failedPrecondition], containing: "is not in the archive")
        try await expectRejected("docker-missing-layer", containing: "not found")
    }

    @Test("truncated and corrupt archives")
    func truncatedAndCorrupt() async throws {
        let directory = try TemporaryDirectory()
        let archive = directory.file("good.tar")
        try Fixtures.synthetic("good", to: archive, in: directory)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: archive))
        try Fixtures.synthetic("good-gzip", to: archive + ".gz", in: directory)
        let gzipped = try Data(contentsOf: URL(fileURLWithPath: archive + ".gz"))

        var cases: [(String, Data)] = [
            ("truncated in the layer", bytes.prefix(bytes.count / 3)),
            ("truncated in a header", bytes.prefix(512 * 3 + 100)),
            ("truncated gzip", gzipped.prefix(gzipped.count / 2)),
            ("garbage", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })),
            ("empty", Data()),
        ]
        var corrupt = bytes
        corrupt.replaceSubrange(0..<100, with: Data(repeating: 0x41, count: 100))  // first header's checksum breaks
        cases.append(("corrupt header", corrupt))

        for (label, data) in cases {
            let file = directory.file("case.tar")
            try data.write(to: URL(fileURLWithPath: file))
            let store = MemoryContentStore()
            await expectBerthError([.invalidArgument], containing: "") {
                try await ArchiveImporter.importArchive(at: file, into: store, options: ImportOptions())
            }
            #expect(await store.digests.isEmpty, "\(label)")
        }
    }

    @Test("deeply nested or oversized JSON")
    func hostileJSON() async throws {
        try await expectRejected("deep-json", containing: "nests JSON deeper than")
        try await expectRejected("deep-manifest", containing: "nests JSON deeper than")
        try await expectRejected("big-json", containing: "larger than the 16 MiB limit")
        try await expectRejected("big-manifest", containing: "larger than the 16 MiB limit")
        try await expectRejected("nested-indexes", containing: "indexes nest deeper than")
    }

    @Test("formats that are not image archives")
    func formats() async throws {
        try await expectRejected("unrecognized", containing: "unrecognized image format")
        try await expectRejected("bad-oci-version", containing: "unsupported OCI version 9.9.9")
        try await expectRejected("docker-dotdot", containing: "\"..\" component")
        try await expectRejected("docker-uppercase-tag", containing: "normalize image ref")
        try await expectRejected("good", containing: "--skip-digest-for-named", options: ImportOptions(skipDigestForNamed: true))
        await expectBerthError([.notFound], containing: "open") {
            try await ArchiveImporter.importArchive(at: "/nonexistent/archive.tar", into: MemoryContentStore(), options: ImportOptions())
        }
    }

    @Test("Docker archives: legacy layer.tar, symlinked layers, and the blobs/sha256 layout")
    func dockerVariants() async throws {
        let directory = try TemporaryDirectory()
        var manifests: [String: ImageManifest] = [:]
        for mode in ["docker-good", "docker-symlink-inside", "docker-blobs-layout"] {
            let archive = directory.file("\(mode).tar")
            try Fixtures.synthetic(mode, to: archive, in: directory)
            let store = MemoryContentStore()
            let images = try await ArchiveImporter.importArchive(at: archive, into: store, options: ImportOptions())
            #expect(images.map(\.name) == ["example.com/synthetic:docker"])
            let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(try #require(await store.bytes(images[0].target.digest))))
            #expect(await store.labels(images[0].target.digest)?["containerd.io/gc.ref.content.l.0"] == manifest.layers[0].digest)
            manifests[mode] = manifest
        }
        #expect(manifests["docker-good"]?.layers[0].mediaType == "application/vnd.docker.image.rootfs.diff.tar")
        #expect(manifests["docker-symlink-inside"]?.layers[0].digest == manifests["docker-good"]?.layers[0].digest)
        #expect(manifests["docker-blobs-layout"]?.layers[0].mediaType == MediaTypes.dockerLayerGzip)
    }
}
