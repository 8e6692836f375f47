import BerthCore
import Foundation
import OCI
import Testing

@testable import Distribution

@Suite struct CredentialTests {
    @Test func dockerConfigAuths() throws {
        let json = """
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(Data("hubuser:hubpass".utf8).base64EncodedString())"},
              "registry.example.com:5000": {"username": "u", "password": "p:with:colons"},
              "empty.example.com": {}
            }}
            """
        let config = try DockerConfigCredentials(json: Data(json.utf8))
        #expect(config.credential(for: "registry-1.docker.io") == Credential(username: "hubuser", secret: "hubpass"))
        #expect(config.credential(for: "docker.io") == Credential(username: "hubuser", secret: "hubpass"))
        #expect(config.credential(for: "registry.example.com:5000") == Credential(username: "u", secret: "p:with:colons"))
        #expect(config.credential(for: "empty.example.com") == nil)
        #expect(config.credential(for: "other.io") == nil)
    }

    @Test func dockerConfigFromEnvironment() async throws {
        try await withTemporaryDirectory { directory in
            try writeFile(directory + "/config.json", #"{"auths":{"localhost:5000":{"auth":"\#(Data("a:b".utf8).base64EncodedString())"}}}"#)
            let config = try DockerConfigCredentials.load(environment: ["DOCKER_CONFIG": directory])
            #expect(try await config.provider("localhost:5000") == Credential(username: "a", secret: "b"))
            let none = try DockerConfigCredentials.load(environment: ["HOME": directory + "/nowhere"])
            #expect(none.credentials.isEmpty)
            try writeFile(directory + "/bad/config.json", #"{"auths":{"x":{"auth":"!!"}}}"#)
            #expect(throws: BerthError.self) { try DockerConfigCredentials.load(environment: ["DOCKER_CONFIG": directory + "/bad"]) }
        }
    }

    @Test func userFlag() throws {
        #expect(try Credential(userFlag: "me:se:cret") == Credential(username: "me", secret: "se:cret"))
        #expect(throws: BerthError.self) { try Credential(userFlag: "nocolon") }
    }
}

@Suite struct AuthChallengeTests {
    @Test func bearerAndBasic() {
        let parsed = AuthChallenge.parse(header: #"Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull""#)
        #expect(parsed == [AuthChallenge(scheme: .bearer, parameters: [
            "realm": "https://auth.docker.io/token", "service": "registry.docker.io", "scope": "repository:library/alpine:pull",
        ])])
        let several = AuthChallenge.parse(header: #"Basic realm="r\"x", Bearer realm=https://a/t , error="invalid_token""#)
        #expect(several.count == 2)
        #expect(several[0] == AuthChallenge(scheme: .basic, parameters: ["realm": "r\"x"]))
        #expect(several[1] == AuthChallenge(scheme: .bearer, parameters: ["realm": "https://a/t", "error": "invalid_token"]))
        #expect(AuthChallenge.parse(header: "") == [])
        #expect(AuthChallenge.parse(header: "Negotiate").first?.scheme == .other("Negotiate"))
    }
}

@Suite struct LabelTests {
    func descriptor(_ mediaType: String, _ n: Int) -> OCIDescriptor {
        OCIDescriptor(mediaType: mediaType, digest: "sha256:" + String(repeating: String(n), count: 64), size: 1)
    }

    @Test func childReferencesCountPerKind() {
        let manifest = ContentLabels.childReferences([
            descriptor(MediaTypes.ociConfig, 1), descriptor(MediaTypes.ociLayerGzip, 2), descriptor(MediaTypes.dockerLayerGzip, 3),
        ])
        #expect(manifest == [
            "containerd.io/gc.ref.content.config": descriptor(MediaTypes.ociConfig, 1).digest,
            "containerd.io/gc.ref.content.l.0": descriptor(MediaTypes.ociLayerGzip, 2).digest,
            "containerd.io/gc.ref.content.l.1": descriptor(MediaTypes.dockerLayerGzip, 3).digest,
        ])
        let index = ContentLabels.childReferences([
            descriptor(MediaTypes.ociManifest, 4), descriptor(MediaTypes.dockerManifest, 5), descriptor(MediaTypes.ociIndex, 6),
        ])
        #expect(index == [
            "containerd.io/gc.ref.content.m.0": descriptor(MediaTypes.ociManifest, 4).digest,
            "containerd.io/gc.ref.content.m.1": descriptor(MediaTypes.dockerManifest, 5).digest,
            "containerd.io/gc.ref.content.0": descriptor(MediaTypes.ociIndex, 6).digest,
        ])
    }

    @Test func distributionSource() {
        #expect(ContentLabels.distributionSourceKey(registry: "127.0.0.1:5000") == "containerd.io/distribution.source.127.0.0.1")
        #expect(ContentLabels.distributionSourceKey(registry: "docker.io") == "containerd.io/distribution.source.docker.io")
        #expect(ContentLabels.appendingSource(nil, "library/a") == "library/a")
        #expect(ContentLabels.appendingSource("z/b,library/a", "library/a") == "library/a,z/b")
        #expect(ContentLabels.appendingSource("z/b", "m/c") == "m/c,z/b")
        #expect(ImagePusher.mountCandidate("a/b,a/c,x/y", target: "a/c") == "a/b")
        #expect(ImagePusher.mountCandidate("a/c", target: "a/c") == nil)
        #expect(ImagePusher.mountCandidate(nil, target: "a/c") == nil)
    }

    @Test func refKeys() {
        #expect(ContentLabels.refKey(descriptor(MediaTypes.ociIndex, 1)).hasPrefix("index-sha256:"))
        #expect(ContentLabels.refKey(descriptor(MediaTypes.dockerManifest, 1)).hasPrefix("manifest-sha256:"))
        #expect(ContentLabels.refKey(descriptor(MediaTypes.ociLayer, 1)).hasPrefix("layer-sha256:"))
        #expect(ContentLabels.refKey(descriptor(MediaTypes.dockerConfig, 1)).hasPrefix("config-sha256:"))
        #expect(ContentLabels.refKey(descriptor("application/x-other", 1)).hasPrefix("unknown-sha256:"))
    }
}

@Suite struct PlatformTests {
    func manifest(_ os: String, _ architecture: String, _ variant: String? = nil, _ n: Int) -> OCIDescriptor {
        OCIDescriptor(
            mediaType: MediaTypes.ociManifest, digest: "sha256:" + String(repeating: String(n), count: 64), size: 1,
            platform: OCIPlatform(os: os, architecture: architecture, variant: variant))
    }

    @Test func selection() throws {
        let children = [
            manifest("linux", "arm", "v7", 1), manifest("linux", "arm64", "v8", 2), manifest("linux", HostPlatform.architecture, nil, 3),
            manifest("unknown", "unknown", nil, 4), manifest("windows", "amd64", nil, 5),
        ]
        #expect(PlatformSelection.host.select(children).map(\.digest) == [children[2].digest])
        #expect(PlatformSelection.all.select(children).count == 5)
        #expect(try PlatformSelection.parse(["linux/arm64"]).select(children).map(\.digest) == [children[1].digest])
        #expect(try PlatformSelection.parse(["linux/aarch64", "armhf"]).select(children).count == 2)
        #expect(try PlatformSelection.parse(["linux/arm/v6"]).select(children).isEmpty)
        #expect(throws: BerthError.self) { try PlatformSelection.parse(["a/b/c/d"]) }
    }
}
