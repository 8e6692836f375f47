import BerthCore
import FuzzSupport
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Replays the committed corpora of OCI documents (`Tests/Corpus/oci`) and image references
/// (`Tests/Corpus/references`): each is refused or accepted as its name says, and refusals are
/// InvalidArgument where Berth's own code decides.
@Suite struct DocumentCorpusTests {
    @Test func ociDocumentsDecodeOrAreRefusedAsNamed() throws {
        let entries = try Corpus.entries("oci")
        let parents = [
            OCIDescriptor(mediaType: MediaTypes.ociManifest, digest: OCIDocumentFuzzTests.digest, size: 1),
            OCIDescriptor(mediaType: MediaTypes.ociIndex, digest: OCIDocumentFuzzTests.digest, size: 1),
        ]
        var rejected = 0
        for entry in entries {
            // The name's second word picks the decoder that decides; "document": every one of them.
            let kind = entry.name.split(separator: "-").dropFirst().first.map(String.init) ?? "document"
            let verdicts = [
                "manifest": OCIDocumentFuzzTests.rejects(ImageManifest.self, entry.bytes),
                "index": OCIDocumentFuzzTests.rejects(ImageIndex.self, entry.bytes),
                "config": OCIDocumentFuzzTests.rejects(ImageConfig.self, entry.bytes),
            ]
            let refused = verdicts[kind] ?? verdicts.values.allSatisfy { $0 }
            if refused { rejected += 1 }
            #expect(entry.allows(rejected: refused), "\(entry): \(refused ? "refused" : "decoded") as \(kind)")
            for parent in parents {
                do {
                    for child in try Documents.children(of: parent, document: entry.bytes) {
                        #expect((try? Digest(parsing: child.digest)) != nil && child.size >= 0, "\(entry): \(child)")
                    }
                } catch let error as BerthError {
                    #expect(error.kind == .invalidArgument, "\(entry): \(error)")
                }
            }
        }
        print("corpus oci: \(entries.count) documents replayed, \(rejected) refused as named")
    }

    @Test func referencesParseOrAreRefusedAsNamed() throws {
        let entries = try Corpus.entries("references")
        var rejected = 0
        for entry in entries {
            let input = String(decoding: entry.bytes, as: UTF8.self)
            let refused = ReferenceFuzzTests.rejected(input) { _ = try References.parse(input) }
            if refused { rejected += 1 }
            #expect(entry.allows(rejected: refused), "\(entry): \(refused ? "refused" : "parsed")")
            if let normalized = try? References.normalize(input) {
                #expect((try? References.normalize(normalized)) == normalized, "\(entry)")
            }
        }
        print("corpus references: \(entries.count) names replayed, \(rejected) refused")
    }
}
