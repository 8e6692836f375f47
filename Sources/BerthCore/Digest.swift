/// A content digest, "algorithm:encoded", as OCI's go-digest defines it.
/// Berth accepts sha256 (required by OCI), sha384 and sha512.
public struct Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, CaseIterable {
        case sha256, sha384, sha512

        /// Length of the lowercase hex encoding.
        public var encodedLength: Int {
            switch self {
            case .sha256: 64
            case .sha384: 96
            case .sha512: 128
            }
        }
    }

    public let algorithm: Algorithm
    /// Lowercase hex.
    public let encoded: String

    /// Parses and validates a digest string; a bad one is invalidArgument with go-digest's wording.
    public init(parsing text: String) throws {
        // Searched as UTF-8: a Character search walks grapheme clusters, and every record read parses one.
        guard let colon = text.utf8.firstIndex(of: UInt8(ascii: ":")), colon != text.startIndex else {
            throw BerthError.invalidArgument("invalid digest \"\(text)\": invalid checksum digest format")
        }
        let name = String(text[..<colon])
        var hex = String(text[text.index(after: colon)...])
        guard let algorithm = Algorithm(rawValue: name) else {
            throw BerthError.invalidArgument("invalid digest \"\(text)\": unsupported digest algorithm")
        }
        // Over the contiguous bytes: the generic UTF8View walk cost a thousand instructions per digest.
        guard hex.utf8.count == algorithm.encodedLength,
              hex.withUTF8({ $0.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) } })
        else {
            throw BerthError.invalidArgument("invalid digest \"\(text)\": invalid checksum digest length")
        }
        self.algorithm = algorithm
        self.encoded = hex
    }

    /// From a hash the caller computed; `hex` must be lowercase hex of the algorithm's length.
    public init(algorithm: Algorithm, hex: String) throws {
        try self.init(parsing: "\(algorithm.rawValue):\(hex)")
    }

    public var description: String { "\(algorithm.rawValue):\(encoded)" }

    public static func < (lhs: Digest, rhs: Digest) -> Bool { lhs.description < rhs.description }
}
