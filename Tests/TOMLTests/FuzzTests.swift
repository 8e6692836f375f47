import FuzzSupport
import Testing
import TOML

@Suite struct FuzzTests {
    /// Every input must yield a table or a TOMLParseError: no trap, no hang.
    @Test func randomAndMutatedInputs() {
        var rng = SplitMix64(state: 0x70_4D_4C)
        let alphabet = Array("ab1_-.=\"'[]{},#\n\r\t \\eE+:0xZT".utf8)
        var accepted = 0
        for i in 0..<20_000 {
            var bytes: [UInt8]
            if i % 4 == 0 {
                // Pure noise, biased towards TOML syntax characters.
                bytes = (0..<Int.random(in: 0..<64, using: &rng)).map { _ in
                    Bool.random(using: &rng) ? (alphabet.randomElement(using: &rng) ?? 0) : UInt8.random(in: 0...255, using: &rng)
                }
            } else {
                bytes = Array((seedDocuments.randomElement(using: &rng) ?? "").utf8)
                for _ in 0..<Int.random(in: 1...4, using: &rng) { bytes = mutate(bytes, &rng) }
            }
            if case .success = parse(String(decoding: bytes, as: UTF8.self)) { accepted += 1 }
        }
        #expect(accepted > 0)
    }

    @Test func seedsAreValid() {
        for seed in seedDocuments {
            #expect(!fails(seed), "\(seed)")
        }
    }

    @Test(.timeLimit(.minutes(1))) func deepInputsFailFast() {
        let n = 100_000
        #expect(fails(String(repeating: "[", count: n)))
        #expect(fails("a = " + String(repeating: "[", count: n)))
        #expect(fails(String(repeating: "{a=", count: n)))
        #expect(fails("a = " + String(repeating: "{a=", count: n)))
    }
}
