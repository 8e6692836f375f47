import FuzzSupport
import Foundation
import Testing

/// Replays the committed layer corpus (`Tests/Corpus/layers`): escapes of every kind, a decompression bomb,
/// and the layers that once crashed berthd. Each is refused or applied as its name says, and nothing lands
/// beside the root, in /tmp or at /.
@Suite(.serialized) struct LayerCorpusTests {
    static let victim = "/tmp/berth-corpus-victim"
    static let escapes = ["/tmp/escaped", "/berth-corpus-absolute"]

    @Test func everyCorpusLayerAppliesOrIsRefusedInsideTheRoot() throws {
        let entries = try Corpus.entries("layers")
        try "victim".write(toFile: Self.victim, atomically: true, encoding: .utf8)
        defer { unlink(Self.victim) }
        var rejected = 0
        for entry in entries {
            let work = "/tmp/berth-layer-corpus-\(UUID().uuidString.prefix(8))"
            try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
            defer { LayerApplierFuzzTests.removeTree(work) }
            try "sentinel".write(toFile: work + "/sentinel", atomically: true, encoding: .utf8)

            let refused = try LayerApplierFuzzTests.apply(entry.bytes, work: work)
            if refused { rejected += 1 }
            #expect(entry.allows(rejected: refused), "\(entry): \(refused ? "refused" : "applied")")
            #expect(try FileManager.default.contentsOfDirectory(atPath: work).sorted() == ["root", "sentinel"], "\(entry)")
            #expect(try String(contentsOfFile: work + "/sentinel", encoding: .utf8) == "sentinel", "\(entry)")
            #expect(try String(contentsOfFile: Self.victim, encoding: .utf8) == "victim", "\(entry) reached \(Self.victim)")
            for path in Self.escapes {
                #expect(!FileManager.default.fileExists(atPath: path), "\(entry) wrote \(path)")
            }
        }
        print("corpus layers: \(entries.count) inputs replayed, \(rejected) refused, none escaped")
    }
}
