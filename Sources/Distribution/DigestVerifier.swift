import BerthCore
import Crypto
import NIOCore

/// Hashes bytes as they stream by and checks them against the digest they must have.
/// Use it to verify a transfer that the client could not verify itself (a resumed fetch).
public struct DigestVerifier: Sendable {
    private enum Hasher: Sendable {
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)
    }

    /// What the bytes must hash to; nil when only computing.
    public let expected: BerthCore.Digest?
    /// Bytes hashed so far.
    public private(set) var count: Int64 = 0
    private let algorithm: BerthCore.Digest.Algorithm
    private var hasher: Hasher

    public init(expected: BerthCore.Digest) {
        self.init(algorithm: expected.algorithm, expected: expected)
    }

    /// Only computes a digest.
    public init(algorithm: BerthCore.Digest.Algorithm) {
        self.init(algorithm: algorithm, expected: nil)
    }

    private init(algorithm: BerthCore.Digest.Algorithm, expected: BerthCore.Digest?) {
        self.algorithm = algorithm
        self.expected = expected
        switch algorithm {
        case .sha256: hasher = .sha256(SHA256())
        case .sha384: hasher = .sha384(SHA384())
        case .sha512: hasher = .sha512(SHA512())
        }
    }

    public mutating func update(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { update($0) }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        count += Int64(bytes.count)
        switch hasher {
        case .sha256(var h):
            h.update(bufferPointer: bytes)
            hasher = .sha256(h)
        case .sha384(var h):
            h.update(bufferPointer: bytes)
            hasher = .sha384(h)
        case .sha512(var h):
            h.update(bufferPointer: bytes)
            hasher = .sha512(h)
        }
    }

    /// The digest of everything hashed so far.
    public func digest() throws -> BerthCore.Digest {
        let bytes: [UInt8]
        switch hasher {
        case .sha256(let h): bytes = Array(h.finalize())
        case .sha384(let h): bytes = Array(h.finalize())
        case .sha512(let h): bytes = Array(h.finalize())
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        hex.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            hex.append(digits[Int(byte >> 4)])
            hex.append(digits[Int(byte & 0xF)])
        }
        return try BerthCore.Digest(algorithm: algorithm, hex: String(decoding: hex, as: UTF8.self))
    }

    /// Throws failedPrecondition unless the bytes hashed are exactly `expected` (and `size` long, if given).
    public func verify(size: Int64? = nil) throws {
        if let size, size != count {
            throw BerthError.failedPrecondition("unexpected size \(count), expected \(size)")
        }
        let actual = try digest()
        if let expected, actual != expected {
            throw BerthError.failedPrecondition("digest mismatch: got \(actual), expected \(expected)")
        }
    }

    /// The digest of a whole buffer.
    public static func digest(of bytes: [UInt8], algorithm: BerthCore.Digest.Algorithm = .sha256) throws -> BerthCore.Digest {
        var verifier = DigestVerifier(algorithm: algorithm)
        bytes.withUnsafeBytes { verifier.update($0) }
        return try verifier.digest()
    }
}
