import FuzzSupport
import Testing

/// Replays the committed TOML corpus (`Tests/Corpus/toml`), including `[(`, on which toml++ aborted berthd.
@Suite struct CorpusTests {
    @Test func corpusDocumentsParseOrFailAsNamed() throws {
        let entries = try Corpus.entries("toml")
        var rejected = 0
        for entry in entries {
            let refused = fails(String(decoding: entry.bytes, as: UTF8.self))
            if refused { rejected += 1 }
            #expect(entry.allows(rejected: refused), "\(entry): \(refused ? "refused" : "parsed")")
        }
        print("corpus toml: \(entries.count) documents replayed, \(rejected) refused")
    }
}
