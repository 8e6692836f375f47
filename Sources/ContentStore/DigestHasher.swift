import BerthCore
import Crypto

/// An incremental hash producing a `BerthCore.Digest`, over the algorithms Berth accepts.
public struct DigestHasher: Sendable {
    public let algorithm: BerthCore.Digest.Algorithm
    // One optional per algorithm rather than an enum with payloads: mutating through optional
    // chaining updates the hash state in place, where re-wrapping an enum payload would copy it.
    private var sha256: SHA256?
    private var sha384: SHA384?
    private var sha512: SHA512?

    public init(_ algorithm: BerthCore.Digest.Algorithm = .sha256) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: sha256 = SHA256()
        case .sha384: sha384 = SHA384()
        case .sha512: sha512 = SHA512()
        }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch algorithm {
        case .sha256: sha256?.update(bufferPointer: bytes)
        case .sha384: sha384?.update(bufferPointer: bytes)
        case .sha512: sha512?.update(bufferPointer: bytes)
        }
    }

    public mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// Starts over, as if freshly created.
    public mutating func reset() {
        self = DigestHasher(algorithm)
    }

    /// The digest of everything hashed so far; the hasher stays usable.
    public func finalize() -> BerthCore.Digest {
        let hex: String
        switch algorithm {
        case .sha256: hex = Self.hex(sha256?.finalize())
        case .sha384: hex = Self.hex(sha384?.finalize())
        case .sha512: hex = Self.hex(sha512?.finalize())
        }
        guard let digest = try? BerthCore.Digest(algorithm: algorithm, hex: hex) else {
            preconditionFailure("hash output \(hex) is not a valid \(algorithm) digest")
        }
        return digest
    }

    /// The digest of `bytes` in one call.
    public static func digest(of bytes: UnsafeRawBufferPointer, algorithm: BerthCore.Digest.Algorithm = .sha256) -> BerthCore.Digest {
        var hasher = DigestHasher(algorithm)
        hasher.update(bytes)
        return hasher.finalize()
    }

    public static func digest(of bytes: [UInt8], algorithm: BerthCore.Digest.Algorithm = .sha256) -> BerthCore.Digest {
        bytes.withUnsafeBytes { digest(of: $0, algorithm: algorithm) }
    }

    private static func hex(_ digest: (some Crypto.Digest)?) -> String {
        guard let digest else { return "" }
        return digest.withUnsafeBytes { Hex.encode($0) }
    }
}
