import FuzzSupport
import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Bounded, seeded random-input tests for the OCI documents an archive or registry hands Berth: decoding
/// mutated manifests, indexes and image configs gives a value or an error, never a crash or a hang.
@Suite("OCI document fuzzing")
struct OCIDocumentFuzzTests {

    static let digest = "sha256:" + String(repeating: "ab", count: 32)

    static let manifest = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json",
         "config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"\(digest)","size":1234},
         "layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"\(digest)","size":99,
                    "annotations":{"a":"b"},"urls":["https://x/y"]}],
         "annotations":{"org.opencontainers.image.ref.name":"1.0"}}
        """
    static let index = """
        {"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json",
         "manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(digest)","size":5,
                       "platform":{"architecture":"amd64","os":"linux","variant":"v8","os.version":"1"}}]}
        """
    static let config = """
        {"architecture":"amd64","os":"linux","config":{"User":"1000:1000","ExposedPorts":{"80/tcp":{}},
         "Env":["PATH=/bin"],"Entrypoint":["/bin/sh"],"Cmd":["-c","true"],"Volumes":{"/data":{}},
         "WorkingDir":"/","Labels":{"k":"v"},"StopSignal":"SIGTERM"},
         "rootfs":{"type":"layers","diff_ids":["\(digest)"]}}
        """

    static func mutate(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        Mutation(specials: "{}[]\":,0-e.\\nulltruefalse", rounds: 1...6, maxTruncation: 40, maxDuplicate: 200).apply(seed, &rng)
    }

    /// Decodes with a plain JSONDecoder; true when it threw.
    static func rejects<T: Decodable>(_ type: T.Type, _ bytes: [UInt8]) -> Bool {
        (try? JSONDecoder().decode(type, from: Data(bytes))) == nil
    }

    @Test func seedDocumentsDecode() throws {
        _ = try JSONDecoder().decode(ImageManifest.self, from: Data(Self.manifest.utf8))
        _ = try JSONDecoder().decode(ImageIndex.self, from: Data(Self.index.utf8))
        _ = try JSONDecoder().decode(ImageConfig.self, from: Data(Self.config.utf8))
    }

    @Test func mutatedDocumentsDecodeOrThrow() {
        var rng = SplitMix64(state: 0x0C1_D0C5)
        let seeds = [Array(Self.manifest.utf8), Array(Self.index.utf8), Array(Self.config.utf8)]
        let iterations = 3000
        var rejected = 0
        for i in 0..<iterations {
            let bytes: [UInt8] = i % 5 == 0
                ? (0..<Int.random(in: 0...256, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
                : Self.mutate(seeds[i % 3], &rng)
            var threw = 0
            if Self.rejects(ImageManifest.self, bytes) { threw += 1 }
            if Self.rejects(ImageIndex.self, bytes) { threw += 1 }
            if Self.rejects(ImageConfig.self, bytes) { threw += 1 }
            if Self.rejects(OCIDescriptor.self, bytes) { threw += 1 }
            if threw == 4 { rejected += 1 }
        }
        print("fuzz ociDocuments: \(iterations) inputs, \(rejected) rejected by every type")
    }

    @Test func importerChildrenGiveDescriptorsOrInvalidArgument() {
        // What the archive importer runs on each manifest and index it finds: BerthError or checked descriptors.
        var rng = SplitMix64(state: 0xC41_1D)
        let parents = [
            OCIDescriptor(mediaType: MediaTypes.ociManifest, digest: Self.digest, size: 1),
            OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: Self.digest, size: 1),
        ]
        let seeds = [Array(Self.manifest.utf8), Array(Self.index.utf8)]
        let iterations = 3000
        var rejected = 0
        for i in 0..<iterations {
            let bytes = Self.mutate(seeds[i % 2], &rng)
            do {
                for child in try Documents.children(of: parents[i % 2], document: bytes) {
                    #expect((try? Digest(parsing: child.digest)) != nil && child.size >= 0)
                }
            } catch let error as BerthError {
                #expect(error.kind == .invalidArgument)
                rejected += 1
            } catch {
                Issue.record("non-Berth error: \(error)")
            }
        }
        print("fuzz importerChildren: \(iterations) inputs, \(rejected) rejected")
    }

    @Test(arguments: ["[", "{\"a\":", "{\"schemaVersion\":["])
    func deeplyNestedJSONIsAnErrorNotAStackOverflow(opener: String) {
        let bytes = Array(String(repeating: opener, count: 100_000).utf8)
        #expect(Self.rejects(ImageManifest.self, bytes))
        #expect(Self.rejects(ImageIndex.self, bytes))
        #expect(Self.rejects(ImageConfig.self, bytes))
        let closed = Array((String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)).utf8)
        #expect(Self.rejects(ImageIndex.self, closed))
        #expect(throws: BerthError.self) {
            try Documents.children(of: OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: Self.digest, size: 1), document: bytes)
        }
        print("fuzz deeplyNestedJSON \(opener): 4 inputs, 4 rejected")
    }
}
