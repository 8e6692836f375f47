import BerthCore
import Daemon
import FuzzSupport
import Testing

/// Config files mutated from `berthd config default` (and one with every key set): each is either applied
/// or refused with an InvalidArgument that names the file; nothing traps, and an applied config validates
/// or says why not.
@Suite struct ConfigFuzzTests {
    @Test func mutatedConfigFilesApplyOrFailClearly() {
        var everyKey = DaemonConfig()
        everyKey.metricsAddress = "127.0.0.1:1338"
        let seeds = [DaemonConfig().toml(), everyKey.toml(), "[grpc]\ngid = 4242\n[debug]\nlevel = \"info\"\n"]
        let mutation = Mutation(specials: "[]=\"'.#\n{},0-", rounds: 1...6)
        var rng = SplitMix64(state: 0xC0F16)
        var applied = 0, refused = 0
        for i in 0..<2_000 {
            let text = i.isMultiple(of: 4)
                ? String(decoding: (0..<Int.random(in: 0...120, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }, as: UTF8.self)
                : mutation.apply(seeds[Int.random(in: 0..<seeds.count, using: &rng)], &rng)
            var config = DaemonConfig()
            do {
                try config.apply(toml: text, source: "fuzz.toml")
                applied += 1
                _ = try? config.validate()
            } catch let error as BerthError {
                refused += 1
                #expect(error.kind == .invalidArgument, "\(String(reflecting: text)): \(error)")
                #expect(error.message.contains("fuzz.toml"), "\(String(reflecting: text)): \(error)")
            } catch {
                Issue.record("\(String(reflecting: text)) threw a non-Berth error: \(error)")
            }
        }
        print("config fuzz: 2000 files, \(applied) applied, \(refused) refused")
    }

    /// The committed TOML corpus (`Tests/Corpus/toml`) as berthd's config file: applied, or refused with an
    /// InvalidArgument that names the file.
    @Test func corpusDocumentsApplyOrFailClearly() throws {
        let entries = try Corpus.entries("toml")
        var refused = 0
        for entry in entries {
            var config = DaemonConfig()
            do {
                try config.apply(toml: String(decoding: entry.bytes, as: UTF8.self), source: "corpus.toml")
            } catch let error as BerthError {
                refused += 1
                #expect(error.kind == .invalidArgument && error.message.contains("corpus.toml"), "\(entry): \(error)")
            }
        }
        print("corpus config: \(entries.count) documents replayed, \(refused) refused")
    }
}
