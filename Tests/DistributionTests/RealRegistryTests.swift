import BerthCore
import Foundation
import OCI
import Testing

@testable import Distribution

/// Pulls and pushes against Debian's docker-registry with an image skopeo pushed there.
@Suite struct RealRegistryTests {
    @Test func pullsAManifestAsSkopeoSeesIt() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let sink = try fixture.makeSink()
                let reference = try fixture.reference("amd64")
                let (progress, updates) = collectProgress()
                let result = try await ImagePuller(client: client, sink: sink).pull(reference, progress: progress)

                let raw = try await skopeoRaw("\(fixture.registry.address)/\(RegistryFixture.repository):amd64")
                #expect(result.root.digest == (try digestOf(raw)).description)
                #expect(result.root.mediaType == MediaTypes.ociManifest)
                #expect(result.name == reference.string)
                #expect(sink.bytes(result.root.digest) == raw)

                let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(raw))
                for blob in [manifest.config] + manifest.layers {
                    #expect(sink.bytes(blob.digest) == (try fixture.image.blob(blob.digest)))
                    #expect(sink.labels(blob.digest)["containerd.io/distribution.source.127.0.0.1"] == RegistryFixture.repository)
                }
                #expect(sink.labels(result.root.digest) == [
                    "containerd.io/gc.ref.content.config": manifest.config.digest,
                    "containerd.io/gc.ref.content.l.0": manifest.layers[0].digest,
                    "containerd.io/distribution.source.127.0.0.1": RegistryFixture.repository,
                ])
                #expect(result.bytesFetched == manifest.config.size + manifest.layers[0].size)

                let statuses = await updates.value
                #expect(statuses.first?.status == .resolving)
                #expect(statuses.contains { $0.ref == "layer-\(manifest.layers[0].digest)" && $0.status == .done })
                #expect(statuses.contains { $0.ref == "manifest-\(result.root.digest)" && $0.status == .done })

                // Pulling again transfers nothing and reports everything present.
                let again = try await ImagePuller(client: client, sink: sink).pull(reference)
                #expect(again.bytesFetched == 0)
                #expect(again.root == result.root)
            }
        }
    }

    @Test func pullsOnePlatformOfAnIndex() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let raw = try await skopeoRaw("\(fixture.registry.address)/\(RegistryFixture.repository):multi")
                let index = try JSONDecoder().decode(ImageIndex.self, from: Data(raw))
                let arm = try #require(index.manifests.first { $0.platform?.architecture == "arm64" })
                let amd = try #require(index.manifests.first { $0.platform?.architecture == "amd64" })

                let sink = try fixture.makeSink()
                let options = ImagePuller.Options(platforms: try .parse(["linux/arm64"]))
                let result = try await ImagePuller(client: client, sink: sink, options: options).pull(try fixture.reference("multi"))
                #expect(result.root.digest == (try digestOf(raw)).description)
                #expect(result.root.mediaType == MediaTypes.ociIndex)
                #expect(result.manifests.map(\.digest) == [arm.digest])
                #expect(sink.bytes(arm.digest) != nil)
                #expect(sink.bytes(amd.digest) == nil)
                // The index references every manifest, pulled or not, as containerd labels it.
                #expect(sink.labels(result.root.digest)["containerd.io/gc.ref.content.m.0"] == index.manifests[0].digest)
                #expect(sink.labels(result.root.digest)["containerd.io/gc.ref.content.m.1"] == index.manifests[1].digest)
                let armManifest = try JSONDecoder().decode(ImageManifest.self, from: Data(try #require(sink.bytes(arm.digest))))
                #expect(sink.bytes(armManifest.config.digest) != nil)
                struct Platform: Decodable { var architecture: String }
                let config = try JSONDecoder().decode(Platform.self, from: Data(try #require(sink.bytes(armManifest.config.digest))))
                #expect(config.architecture == "arm64")

                // The host default picks this machine's platform.
                let hostSink = try fixture.makeSink("host")
                let host = try await ImagePuller(client: client, sink: hostSink).pull(try fixture.reference("multi"))
                #expect(host.manifests.map { $0.platform?.architecture } == [HostPlatform.architecture])

                await expectBerthError(.notFound, containing: "no manifest for the requested platforms") {
                    try await ImagePuller(client: client, sink: try fixture.makeSink("none"), options: .init(platforms: try .parse(["linux/s390x"])))
                        .pull(try fixture.reference("multi"))
                }
            }
        }
    }

    @Test func pullsAllPlatformsFetchingASharedLayerOnce() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let sink = try fixture.makeSink()
                let result = try await ImagePuller(client: client, sink: sink, options: .init(platforms: .all))
                    .pull(try fixture.reference("multi"))
                #expect(result.manifests.count == 2)
                let manifests = try result.manifests.map { try JSONDecoder().decode(ImageManifest.self, from: Data(try #require(sink.bytes($0.digest)))) }
                #expect(manifests[0].layers == manifests[1].layers)
                #expect(result.blobs.count == 3)
                #expect(result.bytesFetched == manifests[0].layers[0].size + manifests[0].config.size + manifests[1].config.size)
                for blob in result.blobs { #expect(sink.bytes(blob.digest) == (try fixture.image.blob(blob.digest))) }
            }
        }
    }

    @Test func resumesAnInterruptedIngest() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let raw = try await skopeoRaw("\(fixture.registry.address)/\(RegistryFixture.repository):amd64")
                let manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(raw))
                let layer = manifest.layers[0]
                let bytes = try fixture.image.blob(layer.digest)
                let half = bytes.count / 2

                let sink = try fixture.makeSink()
                try sink.seedIngest(ref: "layer-\(layer.digest)", bytes: Array(bytes[..<half]))
                let result = try await ImagePuller(client: client, sink: sink).pull(try fixture.reference("amd64"))
                #expect(result.bytesFetched == Int64(bytes.count - half) + manifest.config.size)
                #expect(sink.bytesWritten == Int64(raw.count) + manifest.config.size + Int64(bytes.count - half))
                #expect(sink.bytes(layer.digest) == bytes)

                // A resumed prefix that is not the blob's is thrown away and the blob fetched whole.
                let other = try fixture.makeSink("other")
                try other.seedIngest(ref: "layer-\(layer.digest)", bytes: Array(repeating: 0x55, count: half))
                let redone = try await ImagePuller(client: client, sink: other).pull(try fixture.reference("amd64"))
                #expect(other.bytes(layer.digest) == bytes)
                #expect(redone.bytesFetched == Int64(bytes.count - half) + Int64(bytes.count) + manifest.config.size)
            }
        }
    }

    @Test func concurrentPullsIntoOneSinkDownloadEachBlobOnce() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let sink = try fixture.makeSink()
                let reference = try fixture.reference("multi")
                let options = ImagePuller.Options(platforms: .all)
                async let first = ImagePuller(client: client, sink: sink, options: options).pull(reference)
                async let second = ImagePuller(client: client, sink: sink, options: options).pull(reference)
                let (a, b) = try await (first, second)
                #expect(a.root == b.root)
                // The sink's ref locks make the second wait for the first's ingest instead of fetching again.
                let documents = Int64(a.root.size) + a.manifests.reduce(0) { $0 + $1.size }
                let blobs = a.blobs.reduce(Int64(0)) { $0 + $1.size }
                #expect(sink.bytesWritten == documents + blobs)
                #expect(a.bytesFetched + b.bytesFetched == blobs)
            }
        }
    }

    @Test func streamsLayersToAnObserver() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let sink = try fixture.makeSink()
                let seen = Observed()
                let options = ImagePuller.Options(layerObserver: { stream in
                    var verifier = DigestVerifier(algorithm: .sha256)
                    for try await chunk in stream { verifier.update(chunk) }
                    seen.add(stream.descriptor.digest, try verifier.digest().description)
                })
                let result = try await ImagePuller(client: client, sink: sink, options: options).pull(try fixture.reference("amd64"))
                let layers = result.blobs.filter { $0.mediaType.contains("layer") }
                #expect(layers.count == 1)
                #expect(result.observedLayers == Set(layers.map(\.digest)))
                #expect(seen.all == layers.map { [$0.digest, $0.digest] })

                // An observer that fails fails the pull; the layer is not committed.
                let failing = try fixture.makeSink("failing")
                await expectBerthError(.aborted, containing: "apply failed") {
                    try await ImagePuller(client: client, sink: failing, options: .init(layerObserver: { stream in
                        for try await _ in stream { throw BerthError(.aborted, "apply failed") }
                    })).pull(try fixture.reference("amd64"))
                }
                #expect(failing.bytes(layers[0].digest) == nil)
            }
        }
    }

    @Test func pushesMountingFromAnotherRepository() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                let sink = try fixture.makeSink()
                let pulled = try await ImagePuller(client: client, sink: sink, options: .init(platforms: .all))
                    .pull(try fixture.reference("multi"))

                let target = try fixture.reference("v1", repository: "other/copy")
                let (progress, updates) = collectProgress()
                let pushed = try await ImagePusher(client: client, source: sink).push(pulled.root, to: target, progress: progress)
                let raw = try await skopeoRaw("\(fixture.registry.address)/other/copy:v1")
                #expect((try digestOf(raw)).description == pulled.root.digest)
                for blob in pulled.blobs {
                    #expect(pushed.outcomes[blob.digest] == .mounted(from: RegistryFixture.repository))
                }
                #expect(await updates.value.contains { $0.status == .mounted(from: RegistryFixture.repository) })
                // Every platform manifest made it, by digest.
                let copied = try await skopeoRaw("\(fixture.registry.address)/other/copy@\(pulled.manifests[0].digest)")
                #expect((try digestOf(copied)).description == pulled.manifests[0].digest)

                // Pushing again finds everything there.
                let again = try await ImagePusher(client: client, source: sink).push(pulled.root, to: target)
                #expect(pulled.blobs.allSatisfy { again.outcomes[$0.digest] == .exists })
            }
        }
    }

    @Test func uploadsInOnePutAndInChunks() async throws {
        try await RegistryFixture.with { fixture in
            let sink = try fixture.makeSink()
            let pulled = try await withClient { client in
                try await ImagePuller(client: client, sink: sink).pull(try fixture.reference("amd64"))
            }
            for (repository, chunk) in [("mono/image", nil), ("chunked/image", 300_000)] as [(String, Int?)] {
                var configuration = testConfiguration()
                configuration.uploadChunkSize = chunk
                try await withClient(configuration: configuration) { client in
                    let target = try fixture.reference("latest", repository: repository)
                    let pushed = try await ImagePusher(client: client, source: UnlabeledSource(base: sink)).push(pulled.root, to: target)
                    #expect(pulled.blobs.allSatisfy { pushed.outcomes[$0.digest] == .uploaded })
                    let raw = try await skopeoRaw("\(fixture.registry.address)/\(repository):latest")
                    #expect((try digestOf(raw)).description == pulled.root.digest)
                    // What was uploaded pulls back intact.
                    let check = try fixture.makeSink("check-\(repository.replacingOccurrences(of: "/", with: "-"))")
                    let back = try await ImagePuller(client: client, sink: check).pull(target)
                    #expect(back.blobs.allSatisfy { check.bytes($0.digest) == sink.bytes($0.digest) })
                }
            }
        }
    }

    @Test func resolveReportsMissingThings() async throws {
        try await RegistryFixture.with { fixture in
            try await withClient { client in
                await expectBerthError(.notFound, containing: "busybox:nope: 404 Not Found") {
                    try await client.resolve(try fixture.reference("nope"))
                }
                await expectBerthError(.notFound) {
                    try await client.resolve(try fixture.reference("latest", repository: "no/such"))
                }
                let byDigest = try await client.resolve(try fixture.reference("amd64"))
                let pinned = try fixture.reference("amd64").withDigest(try Digest(parsing: byDigest.descriptor.digest))
                #expect(try await client.resolve(pinned).descriptor == byDigest.descriptor)
            }
        }
    }
}
