import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

@Suite("References")
struct ReferenceTests {
    @Test("ParseDockerRef normalisation", arguments: [
        ("busybox", "docker.io/library/busybox:latest"),
        ("busybox:1.0", "docker.io/library/busybox:1.0"),
        ("library/busybox:1.0", "docker.io/library/busybox:1.0"),
        ("index.docker.io/library/busybox", "docker.io/library/busybox:latest"),
        ("example.com/a/b:tag", "example.com/a/b:tag"),
        ("localhost:5000/x", "localhost:5000/x:latest"),
        ("localhost/x:1", "localhost/x:1"),
        ("a__b/c-d--e.f:T_1", "docker.io/a__b/c-d--e.f:T_1"),
        ("busybox:1@sha256:" + String(repeating: "a", count: 64), "docker.io/library/busybox@sha256:" + String(repeating: "a", count: 64)),
    ])
    func normalize(input: String, expected: String) throws {
        #expect(try References.normalize(input) == expected)
    }

    @Test("invalid references", arguments: [
        "", "Busybox", "busybox:", "-a", "a/-b", "a:b:c", "a@sha256:abc", ":tag", String(repeating: "a", count: 64),
        "example.com/" + String(repeating: "a", count: 260), "a___b", "a..b", "a/b:" + String(repeating: "t", count: 129),
    ])
    func invalid(input: String) {
        #expect(throws: BerthError.self) { try References.normalize(input) }
    }

    @Test("a long hostile name is rejected in linear time")
    func hostileName() {
        let name = String(repeating: "a-", count: 200_000) + "!"
        let start = ContinuousClock.now
        #expect(throws: BerthError.self) { try References.normalize(name) }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test("familiar names for manifest.json")
    func familiarize() throws {
        #expect(try References.familiarize("docker.io/library/busybox:latest") == "busybox:latest")
        #expect(try References.familiarize("docker.io/library/busybox") == "busybox:latest")
        #expect(try References.familiarize("docker.io/foo/bar:1") == "foo/bar:1")
        #expect(try References.familiarize("example.com/busybox:1") == "example.com/busybox:1")
        let digest = "sha256:" + String(repeating: "b", count: 64)
        #expect(try References.familiarize("docker.io/library/x@\(digest)") == "x@\(digest)")
    }

    @Test("OCI ref names: the object of containerd's reference.Parse, else the whole name")
    func ociReferenceName() {
        #expect(References.ociReferenceName("docker.io/library/busybox:latest") == "latest")
        #expect(References.ociReferenceName("example.com:5000/a/b:1.2") == "1.2")
        let digest = "sha256:" + String(repeating: "c", count: 64)
        #expect(References.ociReferenceName("example.com/a@\(digest)") == "@\(digest)")
        #expect(References.ociReferenceName("busybox:1.0") == "busybox:1.0")  // not a valid URL host: kept whole
        #expect(References.ociReferenceName("import-2024-01-02:latest") == "import-2024-01-02:latest")
        #expect(References.ociReferenceName("example.com/a") == "")
    }

    @Test("ctr import's name translators")
    func translators() {
        #expect(References.translate("latest", image: "import-2024-01-02", checkPrefix: false) == "import-2024-01-02:latest")
        #expect(References.translate("busybox:1.0", image: "import-2024-01-02", checkPrefix: false) == "busybox:1.0")
        #expect(References.translate("latest", image: "foo/bar", checkPrefix: true) == "foo/bar:latest")
        #expect(References.translate("foo/bar:1", image: "foo/bar", checkPrefix: true) == "foo/bar:1")
        #expect(References.translate("foo/barbaz:1", image: "foo/bar", checkPrefix: true) == "")
        #expect(References.translate("other/x:1", image: "foo/bar", checkPrefix: true) == "")
        #expect(ImportOptions.defaultBaseName(for: Date(timeIntervalSince1970: 0)).hasPrefix("import-19"))
    }
}

@Suite("Documents, labels, platforms")
struct DocumentTests {
    private func descriptor(_ mediaType: String, _ character: Character) -> OCIDescriptor {
        OCIDescriptor(mediaType: mediaType, digest: "sha256:" + String(repeating: character, count: 64), size: 1)
    }

    @Test("GC labels as containerd's SetChildrenLabels sets them")
    func childLabels() {
        let labels = Documents.childLabels([
            descriptor(MediaTypes.ociConfig, "a"), descriptor(MediaTypes.ociLayerGzip, "b"),
            descriptor("application/vnd.docker.image.rootfs.diff.tar", "c"), descriptor("application/vnd.oci.image.layer.v1.tar+zstd", "d"),
            descriptor("application/octet-stream", "e"), descriptor(MediaTypes.dockerConfig, "f"),
        ])
        #expect(labels == [
            "containerd.io/gc.ref.content.config": "sha256:" + String(repeating: "a", count: 64),
            "containerd.io/gc.ref.content.l.0": "sha256:" + String(repeating: "b", count: 64),
            "containerd.io/gc.ref.content.l.1": "sha256:" + String(repeating: "c", count: 64),
            "containerd.io/gc.ref.content.l.2": "sha256:" + String(repeating: "d", count: 64),
            "containerd.io/gc.ref.content.0": "sha256:" + String(repeating: "e", count: 64),
            "containerd.io/gc.ref.content.config1": "sha256:" + String(repeating: "f", count: 64),
        ])
        let index = Documents.childLabels([
            descriptor(MediaTypes.ociManifest, "a"), descriptor(MediaTypes.dockerManifest, "b"), descriptor(MediaTypes.ociIndex, "c"),
        ])
        #expect(index == [
            "containerd.io/gc.ref.content.m.0": "sha256:" + String(repeating: "a", count: 64),
            "containerd.io/gc.ref.content.m.1": "sha256:" + String(repeating: "b", count: 64),
            "containerd.io/gc.ref.content.0": "sha256:" + String(repeating: "c", count: 64),
        ])
    }

    @Test("Go's JSON encoding: field order, omitempty, sorted maps, HTML-safe escaping")
    func goJSON() {
        var descriptor = descriptor(MediaTypes.ociManifest, "a")
        descriptor.annotations = ["z": "<&>", "a": "\u{2028}\n\"\\\u{01}é"]
        descriptor.platform = OCIPlatform(os: "linux", architecture: "arm", variant: "v7")
        let text = String(decoding: GoJSON.index([descriptor]), as: UTF8.self)
        #expect(text == #"{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:"# + String(repeating: "a", count: 64) + #"","size":1,"annotations":{"a":"\u2028\n\"\\\u0001é","z":"\u003c\u0026\u003e"},"platform":{"architecture":"arm","os":"linux","variant":"v7"}}]}"#)
        #expect(String(decoding: GoJSON.ociLayout(), as: UTF8.self) == #"{"imageLayoutVersion":"1.0.0"}"#)
    }

    @Test("manifests and indexes are told apart as containerd's validateMediaType does")
    func mediaTypeValidation() throws {
        let manifest = descriptor(MediaTypes.ociManifest, "a")
        let index = descriptor(MediaTypes.ociIndex, "b")
        let indexBody = Array(#"{"schemaVersion":2,"manifests":[]}"#.utf8)
        let schema1 = Array(#"{"schemaVersion":1,"fsLayers":[]}"#.utf8)
        #expect(throws: BerthError.self) { try Documents.children(of: manifest, document: indexBody) }
        #expect(throws: BerthError.self) { try Documents.children(of: manifest, document: schema1) }
        #expect(try Documents.children(of: index, document: indexBody).isEmpty)
        #expect(throws: BerthError.self) {
            try Documents.children(of: index, document: Array(#"{"manifests":[{"digest":"sha256:zz","size":1}]}"#.utf8))
        }
    }

    @Test("platform parsing, normalisation and matching", arguments: [
        ("linux/amd64", "linux/amd64"), ("linux/x86_64", "linux/amd64"), ("linux/aarch64", "linux/arm64"),
        ("linux/arm", "linux/arm"), ("linux/arm/v6", "linux/arm/v6"), ("linux/arm64/v8", "linux/arm64/v8"), ("linux/armhf", "linux/arm"),
    ])
    func parse(specifier: String, expected: String) throws {
        #expect(try ArchivePlatforms.parse(specifier).formatted == expected)
    }

    @Test("matchers: Only takes compatible platforms, strict takes one")
    func matchers() {
        let only = PlatformMatcher.only(OCIPlatform(os: "linux", architecture: "amd64"))
        #expect(only.matches(OCIPlatform(os: "linux", architecture: "amd64")))
        #expect(only.matches(OCIPlatform(os: "linux", architecture: "386")))
        #expect(!only.matches(OCIPlatform(os: "linux", architecture: "arm64")))
        let arm64 = PlatformMatcher.only(OCIPlatform(os: "linux", architecture: "arm64"))
        #expect(arm64.matches(OCIPlatform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(arm64.matches(OCIPlatform(os: "linux", architecture: "aarch64", variant: "v8")))
        let strict = PlatformMatcher.exactly([OCIPlatform(os: "linux", architecture: "arm64")])
        #expect(!strict.matches(OCIPlatform(os: "linux", architecture: "arm", variant: "v7")))
        #expect(strict.matches(OCIPlatform(os: "", architecture: "ARM64", variant: "8")) == (ArchivePlatforms.hostOS == "linux"))
        #expect(PlatformMatcher.all.matches(OCIPlatform(os: "windows", architecture: "mips")))
    }
}
