import BerthCore
import Foundation
import Testing

@testable import Distribution
@Suite struct BearerAuthTests {
    @Test func anonymousTokenIsFetchedOnceAndReused() async throws {
        let registry = FakeRegistry(image: try FakeImage())
        let tokens = TokenService(.init())
        try await registry.serve(override: tokens.handle) { server in
            try await withTemporaryDirectory { directory in
                try await withClient { client in
                    let sink = try FileSink(root: directory)
                    let result = try await ImagePuller(client: client, sink: sink).pull(try registry.reference(server))
                    #expect(result.blobs.allSatisfy { sink.bytes($0.digest) != nil })
                }
            }
        }
        #expect(tokens.tokenRequests.count == 1)
        #expect(tokens.tokenRequests.first?.authorization == nil)
        #expect(tokens.tokenRequests.first?.scopes == ["repository:test/image:pull"])
        #expect(tokens.tokenRequests.first?.service == "fake-registry")
        #expect(tokens.challenges == 1)
        #expect(registry.requests.filter { !$0.path.hasPrefix("/token") }.dropFirst().allSatisfy { $0.authorization == "Bearer tok-1" })
    }

    @Test func credentialsGoToTheTokenService() async throws {
        let registry = FakeRegistry(image: try FakeImage())
        let credential = Credential(username: "puller", secret: "pw")
        let tokens = TokenService(.init(credentials: credential, accessTokenField: true))
        try await registry.serve(override: tokens.handle) { server in
            try await withClient(credentials: { _ in credential }) { client in
                let resolved = try await client.resolve(try registry.reference(server))
                #expect(resolved.descriptor == registry.image.manifestDescriptor)
            }
            try await withClient(credentials: { _ in Credential(username: "puller", secret: "nope") }) { client in
                await expectBerthError(.permissionDenied, containing: "failed to fetch token") {
                    try await client.resolve(try registry.reference(server))
                }
            }
            try await withClient { client in
                await expectBerthError(.permissionDenied, containing: "failed to fetch anonymous token") {
                    try await client.resolve(try registry.reference(server))
                }
            }
        }
        #expect(tokens.tokenRequests.first?.authorization == Authorizer.basic(credential))
    }

    @Test func aTokenRevokedMidPullIsRefreshed() async throws {
        let registry = FakeRegistry(image: try FakeImage())
        let tokens = TokenService(.init(usesPerToken: 2))
        try await registry.serve(override: tokens.handle) { server in
            try await withTemporaryDirectory { directory in
                try await withClient { client in
                    let sink = try FileSink(root: directory)
                    let result = try await ImagePuller(client: client, sink: sink, options: .init(maxConcurrentDownloads: 1))
                        .pull(try registry.reference(server))
                    #expect(sink.bytes(result.root.digest) == registry.image.manifest)
                    #expect(sink.bytes(registry.image.layerDescriptor.digest) == registry.image.layer)
                }
            }
        }
        #expect(tokens.tokenRequests.count >= 2)
    }

    @Test func expiresInIsHonoured() async throws {
        let registry = FakeRegistry(image: try FakeImage())
        let tokens = TokenService(.init(expiresIn: 2))
        try await registry.serve(override: tokens.handle) { server in
            try await withClient { client in
                let reference = try registry.reference(server)
                _ = try await client.resolve(reference)
                _ = try await client.resolve(reference)
                // Under load the two resolves may straddle the expiry; at least the second reused the first.
                let before = tokens.tokenRequests.count
                #expect(before >= 1 && before <= 2)
                try await Task.sleep(for: .milliseconds(2000))
                _ = try await client.resolve(reference)
                // The expired token was replaced before use: a new token, and no second challenge.
                #expect(tokens.tokenRequests.count == before + 1)
            }
        }
        #expect(tokens.challenges == 1)
    }
}
