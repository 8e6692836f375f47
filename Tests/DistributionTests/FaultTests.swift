import BerthCore
import Foundation
import NIOHTTP1
import OCI
import Synchronization
import Testing

@testable import Distribution
/// Registries that misbehave on purpose, each emulated by a test-owned server.
@Suite struct FaultTests {
    let registry: FakeRegistry
    let layer: OCIDescriptor

    init() throws {
        registry = FakeRegistry(image: try FakeImage())
        layer = registry.image.layerDescriptor
    }

    func isLayerGet(_ request: TestRequest) -> Bool {
        request.method == .GET && request.path.hasSuffix("/blobs/\(layer.digest)")
    }

    /// Pulls the fake image into a fresh sink.
    func pull(_ server: TestHTTPServer, _ directory: String, configuration: RegistryClient.Configuration = testConfiguration()) async throws -> (PullResult, FileSink) {
        let sink = try FileSink(root: directory + "/sink")
        let result = try await withClient(configuration: configuration) { client in
            try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server))
        }
        return (result, sink)
    }

    func ingests(_ sink: FileSink) -> [String] {
        (try? FileManager.default.contentsOfDirectory(atPath: sink.root + "/ingest")) ?? []
    }

    @Test func wrongLayerBytesAreNotCommitted() async throws {
        let layer = self.layer
        var corrupted = registry.image.layer
        corrupted[1000] ^= 0xFF
        let served = corrupted
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.send(.ok, body: served)
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                let sink = try FileSink(root: directory)
                try await withClient { client in
                    await expectBerthError(.failedPrecondition, containing: "digest mismatch") {
                        try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server))
                    }
                }
                #expect(sink.bytes(layer.digest) == nil)
                #expect(ingests(sink).isEmpty)
            }
        }
    }

    @Test func wrongManifestBytesCommitNothing() async throws {
        let manifest = registry.image.manifestDescriptor
        var corrupted = registry.image.manifest
        corrupted[corrupted.count - 2] = UInt8(ascii: " ")
        let served = corrupted
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/manifests/\(manifest.digest)") else { return nil }
            try await responder.send(.ok, [("Content-Type", manifest.mediaType)], body: served)
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                let sink = try FileSink(root: directory)
                try await withClient { client in
                    await expectBerthError(.failedPrecondition, containing: "digest mismatch") {
                        try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server))
                    }
                }
                #expect(sink.committedDigests.isEmpty)
            }
        }
    }

    @Test func truncatedBodyIsResumedWithRange() async throws {
        let counter = Counter()
        let image = registry.image
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)"), counter.next() == 1 else { return nil }
            try await responder.head(.ok, [("Content-Length", "\(image.layer.count)")])
            try await responder.body(image.layer[..<100_000])
            return .close
        }) { server in
            try await withTemporaryDirectory { directory in
                let (_, sink) = try await pull(server, directory)
                #expect(sink.bytes(layer.digest) == image.layer)
            }
        }
        let ranges = registry.requests.filter { $0.method == .GET && $0.path.hasSuffix(layer.digest) }.map(\.range)
        #expect(ranges.count == 2)
        #expect(ranges.first == .some(nil))
        #expect(ranges.last??.hasPrefix("bytes=") == true)
        #expect(ranges.last??.hasPrefix("bytes=0-") == false)
    }

    @Test func resumeFromAServerThatIgnoresRange() async throws {
        let counter = Counter()
        let image = registry.image
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.head(.ok, [("Content-Length", "\(image.layer.count)")])
            if counter.next() == 1 {
                try await responder.body(image.layer[..<150_000])
                return .close
            }
            // Always the whole blob with 200, whatever Range said.
            try await responder.body(image.layer)
            try await responder.end()
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                let (result, sink) = try await pull(server, directory)
                #expect(sink.bytes(layer.digest) == image.layer)
                #expect(result.bytesFetched == Int64(image.layer.count + image.config.count))
            }
        }
    }

    @Test func bodiesThatNeverArriveFailClearly() async throws {
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.head(.ok, [("Content-Length", "\(layer.size)")])
            return .close
        }) { server in
            try await withTemporaryDirectory { directory in
                await expectBerthError(.unavailable, containing: "after 3 tries") { try await pull(server, directory) }
            }
        }
        #expect(registry.count(layer.digest) == 3)
    }

    @Test func serverErrorsAreRetried() async throws {
        let counter = Counter()
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)"), counter.next() == 1 else { return nil }
            try await responder.send(.internalServerError, body: Array("boom".utf8))
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                let (_, sink) = try await pull(server, directory)
                #expect(sink.bytes(layer.digest) == registry.image.layer)
            }
        }
        #expect(registry.count(layer.digest) == 2)
    }

    @Test func persistentServerErrorsGiveUp() async throws {
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.send(.serviceUnavailable, [("Content-Type", "application/json")],
                                     body: Array(#"{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}"#.utf8))
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                await expectBerthError(.unavailable, containing: "503 Service Unavailable (UNAVAILABLE: try later)") {
                    try await pull(server, directory)
                }
            }
        }
        #expect(registry.count(layer.digest) == 3)
    }

    @Test func stalledBodyTimesOut() async throws {
        let layer = self.layer
        let image = registry.image
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.head(.ok, [("Content-Length", "\(image.layer.count)")])
            try await responder.body(image.layer[..<(request.headers.first(name: "Range") == nil ? 1000 : 0)])
            try await Task.sleep(for: .seconds(60))
            return .close
        }) { server in
            try await withTemporaryDirectory { directory in
                let started = ContinuousClock.now
                await expectBerthError(.deadlineExceeded, containing: "read stalled") {
                    try await pull(server, directory, configuration: testConfiguration(stall: .milliseconds(300), attempts: 2))
                }
                // Sooner than the 60 s after which the server would give up by itself (loose: under the full
                // suite on two cores every read of the pull may hit the 300 ms stall limit and be retried).
                #expect(ContinuousClock.now - started < .seconds(55))
            }
        }
    }

    @Test func oversizedManifestsAreRefused() async throws {
        let huge = 5 << 20
        _ = try await registry.serve(override: { request, responder in
            guard request.path.hasSuffix("/manifests/big") || request.path.hasSuffix("/manifests/bigget") else { return nil }
            if request.path.hasSuffix("/manifests/bigget"), request.method == .HEAD {
                try await responder.send(.methodNotAllowed)
                return .keepAlive
            }
            let body = Array(repeating: UInt8(ascii: " "), count: huge)
            try await responder.send(.ok, [
                ("Content-Type", MediaTypes.ociManifest),
                ("Docker-Content-Digest", "sha256:" + String(repeating: "a", count: 64)),
            ], body: body, headOnly: request.method == .HEAD)
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                try await withClient { client in
                    await expectBerthError(.resourceExhausted, containing: "limit") {
                        try await ImagePuller(client: client, sink: try FileSink(root: directory))
                            .pull(try registry.reference(server, tag: "big"))
                    }
                    await expectBerthError(.resourceExhausted, containing: "larger than 4194304 bytes") {
                        try await client.resolve(try registry.reference(server, tag: "bigget"))
                    }
                }
            }
        }
    }

    @Test func redirectLoopsAndChainsAreCut() async throws {
        let layer = self.layer
        _ = try await registry.serve(override: { request, responder in
            if request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") {
                try await responder.send(.temporaryRedirect, [("Location", "/loop/a")])
                return .keepAlive
            }
            if request.path == "/loop/a" || request.path == "/loop/b" {
                try await responder.send(.found, [("Location", request.path == "/loop/a" ? "/loop/b" : "/loop/a")])
                return .keepAlive
            }
            if request.path.hasPrefix("/hop/") {
                let next = (Int(request.path.dropFirst(5)) ?? 0) + 1
                try await responder.send(.movedPermanently, [("Location", "/hop/\(next)")])
                return .keepAlive
            }
            if request.path.hasSuffix("/blobs/\(registry.image.configDescriptor.digest)") {
                try await responder.send(.seeOther, [("Location", "/hop/1")])
                return .keepAlive
            }
            return nil
        }) { server in
            try await withClient { client in
                let reference = try registry.reference(server)
                await expectBerthError(.unavailable, containing: "redirect loop at") {
                    try await client.fetchData(layer, from: reference)
                }
                await expectBerthError(.unavailable, containing: "more than 10 redirects") {
                    try await client.fetchData(registry.image.configDescriptor, from: reference)
                }
            }
        }
    }

    @Test func schema1IsRefused() async throws {
        let schema1 = Array(#"{"schemaVersion":1,"name":"test/image","tag":"old","fsLayers":[]}"#.utf8)
        _ = try await registry.serve(override: { request, responder in
            if request.path.hasSuffix("/manifests/signed") {
                try await responder.send(.ok, [
                    ("Content-Type", "application/vnd.docker.distribution.manifest.v1+prettyjws"),
                    ("Docker-Content-Digest", try digestOf(schema1).description),
                ], body: schema1, headOnly: request.method == .HEAD)
                return .keepAlive
            }
            if request.path.hasSuffix("/manifests/plain") {
                try await responder.send(.ok, [("Content-Type", "application/json")], body: schema1, headOnly: request.method == .HEAD)
                return .keepAlive
            }
            return nil
        }) { server in
            try await withClient { client in
                for tag in ["signed", "plain"] {
                    await expectBerthError(.notImplemented, containing: "schema 1 manifests are not supported") {
                        try await client.resolve(try registry.reference(server, tag: tag))
                    }
                }
            }
        }
    }

    @Test func manifestsNamingBadDigestsAreRefused() async throws {
        let hostile = Array(#"{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:../../../etc/passwd","size":10},"layers":[]}"#.utf8)
        let digest = try digestOf(hostile).description
        _ = try await registry.serve(override: { request, responder in
            guard request.path.hasSuffix("/manifests/hostile") || request.path.hasSuffix("/manifests/\(digest)") else { return nil }
            try await responder.send(.ok, [("Content-Type", MediaTypes.ociManifest), ("Docker-Content-Digest", digest)],
                                     body: hostile, headOnly: request.method == .HEAD)
            return .keepAlive
        }) { server in
            try await withTemporaryDirectory { directory in
                let sink = try FileSink(root: directory)
                try await withClient { client in
                    await expectBerthError(.failedPrecondition, containing: "names invalid content") {
                        try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server, tag: "hostile"))
                    }
                }
                #expect(sink.committedDigests.isEmpty)
            }
        }
    }

    @Test func blobsRedirectedToStorageGoThereWithoutCredentials() async throws {
        let image = registry.image
        let layer = self.layer
        let storageRequests = Mutex<[TestRequest]>([])
        let credential = Credential(username: "u", secret: "p")
        try await TestHTTPServer.with({ request, responder in
            storageRequests.withLock { $0.append(request) }
            try await self.registry.serveBlob(image.layer, digest: layer.digest, request: request, responder)
            return .keepAlive
        }) { storage in
            _ = try await registry.serve(override: { request, responder in
                guard request.headers.first(name: "Authorization") == Authorizer.basic(credential) else {
                    try await responder.send(.unauthorized, [("WWW-Authenticate", #"Basic realm="fake""#)])
                    return .keepAlive
                }
                guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
                try await responder.send(.temporaryRedirect, [("Location", "http://\(storage.address)/storage/\(layer.digest)?signature=x")])
                return .keepAlive
            }) { server in
                try await withTemporaryDirectory { directory in
                    let sink = try FileSink(root: directory)
                    try await withClient(credentials: { _ in credential }) { client in
                        _ = try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server))
                    }
                    #expect(sink.bytes(layer.digest) == image.layer)
                }
            }
        }
        let seen = storageRequests.withLock { $0 }
        #expect(seen.count == 1)
        #expect(seen.first?.uri == "/storage/\(layer.digest)?signature=x")
        #expect(seen.allSatisfy { $0.headers.first(name: "Authorization") == nil })
    }

    @Test func cancellingAPullStopsItAndKeepsTheIngest() async throws {
        let layer = self.layer
        let image = registry.image
        _ = try await registry.serve(override: { request, responder in
            guard request.method == .GET, request.path.hasSuffix("/blobs/\(layer.digest)") else { return nil }
            try await responder.head(.ok, [("Content-Length", "\(image.layer.count)")])
            try await responder.body(image.layer[..<50_000])
            try await Task.sleep(for: .seconds(60))
            return .close
        }) { server in
            try await withTemporaryDirectory { directory in
                let sink = try FileSink(root: directory)
                try await withClient(configuration: testConfiguration(stall: .seconds(30))) { client in
                    let reference = try registry.reference(server)
                    let pull = Task { try await ImagePuller(client: client, sink: sink).pull(reference) }
                    while sink.bytesWritten < Int64(image.manifest.count + image.config.count) + 50_000 {
                        try await Task.sleep(for: .milliseconds(10))
                    }
                    let started = ContinuousClock.now
                    pull.cancel()
                    await expectBerthError(.canceled) { try await pull.value }
                    #expect(ContinuousClock.now - started < .seconds(15))
                }
                #expect(ingests(sink) == ["layer-\(layer.digest)"])
                #expect(sink.bytes(layer.digest) == nil)
            }
        }
    }
}
