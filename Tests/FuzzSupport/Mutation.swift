/// SplitMix64: small and deterministic, so a failing fuzz input reproduces from its seed.
public struct SplitMix64: RandomNumberGenerator {
    public var state: UInt64

    public init(state: UInt64) { self.state = state }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the fuzz tests do to a valid input: bit flips, truncation, insertion of bytes the format gives meaning
/// to (or any byte), and duplicated chunks, a few times over.
public struct Mutation: Sendable {
    /// Bytes the format gives meaning to (JSON punctuation, filter operators, reference separators).
    public var specials: [UInt8]
    public var rounds: ClosedRange<Int>
    /// The most bytes one truncation removes, and the longest chunk duplicated; nil: no limit.
    public var maxTruncation: Int?
    public var maxDuplicate: Int?

    public init(specials: String, rounds: ClosedRange<Int>, maxTruncation: Int? = nil, maxDuplicate: Int? = nil) {
        self.specials = Array(specials.utf8)
        self.rounds = rounds
        self.maxTruncation = maxTruncation
        self.maxDuplicate = maxDuplicate
    }

    public func apply(_ seed: [UInt8], _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed
        for _ in 0..<Int.random(in: rounds, using: &rng) {
            switch Int.random(in: 0..<5, using: &rng) {
            case 0 where !bytes.isEmpty:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 1 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 0...min(bytes.count, maxTruncation ?? bytes.count), using: &rng))
            case 2 where !specials.isEmpty:
                let special = specials[Int.random(in: 0..<specials.count, using: &rng)]
                bytes.insert(special, at: Int.random(in: 0...bytes.count, using: &rng))
            case 3 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = Int.random(in: start...min(bytes.count, start + (maxDuplicate ?? bytes.count)), using: &rng)
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return bytes
    }

    /// The same on a string's UTF-8; invalid UTF-8 comes back repaired.
    public func apply(_ seed: String, _ rng: inout SplitMix64) -> String {
        String(decoding: apply(Array(seed.utf8), &rng), as: UTF8.self)
    }
}
