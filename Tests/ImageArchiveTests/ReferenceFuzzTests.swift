import FuzzSupport
import BerthCore
import Foundation
import OCI
import Testing

@testable import ImageArchive

/// Bounded, seeded random-input tests for the image-reference parser the archive importer and exporter use:
/// a name gives a reference or `invalidArgument`, in linear time, and normalising is idempotent.
@Suite("Reference fuzzing")
struct ReferenceFuzzTests {

    static let seeds = [
        "busybox", "docker.io/library/busybox:latest", "localhost:5000/a/b-c_d.e:v1.2",
        "registry.example.com/ns/img@sha256:" + String(repeating: "0f", count: 32),
        "ghcr.io/org/img:tag@sha256:" + String(repeating: "ab", count: 32), "import-2024-01-01@sha256:00",
    ]

    static let alphabet: [Character] = Array("abcz09AZ._-/:@ %+牛\u{0}")

    static func mutate(_ seed: String, _ rng: inout SplitMix64) -> String {
        Mutation(specials: "/:@.-_%", rounds: 1...4).apply(seed, &rng)
    }

    /// True when `body` threw `BerthError.invalidArgument`; any other error is an issue.
    static func rejected(_ input: String, _ body: () throws -> Void) -> Bool {
        do {
            try body()
            return false
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument, "\(String(reflecting: input)): \(error)")
            return true
        } catch {
            Issue.record("\(String(reflecting: input)) threw a non-Berth error: \(error)")
            return true
        }
    }

    @Test func referencesParseOrThrowInvalidArgument() {
        var rng = SplitMix64(state: 0x5EF5)
        let iterations = 4000
        var rejected = 0
        for i in 0..<iterations {
            let input = i.isMultiple(of: 3)
                ? String((0..<Int.random(in: 0...60, using: &rng)).map { _ in Self.alphabet.randomElement(using: &rng)! })
                : Self.mutate(Self.seeds.randomElement(using: &rng)!, &rng)
            if Self.rejected(input, { _ = try References.parse(input) }) { rejected += 1 }
            var normalized: String?
            _ = Self.rejected(input) { normalized = try References.normalize(input) }
            if let normalized {
                // A normalised name normalises to itself.
                #expect((try? References.normalize(normalized)) == normalized, "\(String(reflecting: input))")
            }
            _ = Self.rejected(input) { _ = try References.familiarize(input) }
            _ = References.ociReferenceName(input)
            _ = References.translate(input, image: "docker.io/library/busybox", checkPrefix: i.isMultiple(of: 2))
        }
        print("fuzz references: \(iterations) inputs, \(rejected) rejected by parse")
    }

    @Test func longReferencesAreHandledQuickly() {
        // The grammar is hand-checked to avoid regex backtracking: these must not stall.
        let long = [
            String(repeating: "a", count: 100_000),
            String(repeating: "a.", count: 50_000) + "!",
            String(repeating: "a-", count: 50_000) + "/b",
            String(repeating: "a/", count: 50_000) + ":",
            "a:" + String(repeating: "1", count: 100_000),
            "a@sha256:" + String(repeating: "0", count: 100_000),
            String(repeating: "%", count: 100_000),
        ]
        let clock = ContinuousClock()
        var rejected = 0
        let elapsed = clock.measure {
            for input in long {
                if Self.rejected(input, { _ = try References.normalize(input) }) { rejected += 1 }
                _ = References.ociReferenceName(input)
            }
        }
        #expect(elapsed < .seconds(10))
        print("fuzz longReferences: \(long.count) inputs, \(rejected) rejected in \(elapsed)")
    }
}
