import BerthCore
import Foundation
import Testing

@testable import Distribution

/// hosts.toml mirrors in front of a registry, both emulated by test servers.
@Suite struct MirrorTests {
    @Test func pullOnlyMirrorServesBlobsWithItsHeadersAndPath() async throws {
        let image = try FakeImage()
        let upstream = FakeRegistry(image: image)
        let mirrorImage = FakeRegistry(image: image)
        // The mirror serves the API under /mirror-api (override_path) instead of /v2.
        try await TestHTTPServer.with({ request, responder in
            mirrorImage.record(request)
            guard request.uri.hasPrefix("/mirror-api/") else { return try await mirrorImage.notFound(responder) }
            var rewritten = request
            rewritten.uri = "/v2/" + request.uri.dropFirst("/mirror-api/".count)
            return try await mirrorImage.respond(rewritten, responder)
        }) { mirror in
            _ = try await upstream.serve { server in
                try await withTemporaryDirectory { directory in
                    try writeFile("\(directory)/certs.d/\(server.address)/hosts.toml", """
                        server = "http://\(server.address)"

                        [host."http://\(mirror.address)/mirror-api"]
                          capabilities = ["pull"]
                          override_path = true
                          [host."http://\(mirror.address)/mirror-api".header]
                            x-mirror-token = "abc"
                        """)
                    let hosts = RegistryHosts(configDirectory: directory + "/certs.d")
                    try await withClient(hosts: hosts) { client in
                        let sink = try FileSink(root: directory + "/sink")
                        let result = try await ImagePuller(client: client, sink: sink).pull(try upstream.reference(server))
                        #expect(sink.bytes(result.root.digest) == image.manifest)
                        #expect(sink.bytes(image.layerDescriptor.digest) == image.layer)
                    }
                }
            }
        }
        // Resolving needs the resolve capability: only the upstream was asked for the tag.
        #expect(upstream.requests.contains { $0.path.hasSuffix("/manifests/latest") })
        #expect(!mirrorImage.requests.contains { $0.path.hasSuffix("/manifests/latest") })
        // Everything by digest came from the mirror.
        #expect(mirrorImage.count(image.layerDescriptor.digest) == 1)
        #expect(upstream.count(image.layerDescriptor.digest) == 0)
        #expect(mirrorImage.requests.allSatisfy { $0.path.hasPrefix("/mirror-api/test/image/") })
    }

    @Test func aMirrorWithoutTheImageFallsBackToTheRegistry() async throws {
        let image = try FakeImage()
        let upstream = FakeRegistry(image: image)
        let headers = Observed()
        try await TestHTTPServer.with({ request, responder in
            headers.add(request.path, request.headers.first(name: "x-mirror-token") ?? "")
            try await responder.send(.notFound)
            return .keepAlive
        }) { mirror in
            _ = try await upstream.serve { server in
                try await withTemporaryDirectory { directory in
                    try writeFile("\(directory)/certs.d/\(server.address)/hosts.toml", """
                        [host."http://\(mirror.address)"]
                          capabilities = ["pull", "resolve"]
                          header = { x-mirror-token = ["abc"] }
                        """)
                    try await withClient(hosts: RegistryHosts(configDirectory: directory + "/certs.d")) { client in
                        let sink = try FileSink(root: directory + "/sink")
                        let result = try await ImagePuller(client: client, sink: sink).pull(try upstream.reference(server))
                        #expect(sink.bytes(result.root.digest) == image.manifest)
                    }
                }
            }
        }
        #expect(headers.all.first == ["/v2/test/image/manifests/latest", "abc"])
        #expect(upstream.count(image.layerDescriptor.digest) == 1)
    }
}
