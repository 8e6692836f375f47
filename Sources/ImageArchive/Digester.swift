import BerthCore
import Crypto

/// A running hash over a blob's bytes, in one of go-digest's algorithms.
struct Digester {
    private enum State {
        case sha256(SHA256)
        case sha384(SHA384)
        case sha512(SHA512)
    }

    private var state: State
    let algorithm: BerthCore.Digest.Algorithm

    init(_ algorithm: BerthCore.Digest.Algorithm = .sha256) {
        self.algorithm = algorithm
        switch algorithm {
        case .sha256: state = .sha256(SHA256())
        case .sha384: state = .sha384(SHA384())
        case .sha512: state = .sha512(SHA512())
        }
    }

    mutating func update(_ bytes: UnsafeRawBufferPointer) {
        switch state {
        case .sha256(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha256(hash)
        case .sha384(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha384(hash)
        case .sha512(var hash):
            hash.update(bufferPointer: bytes)
            state = .sha512(hash)
        }
    }

    mutating func update(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { update($0) }
    }

    /// "algorithm:hex".
    func finalize() -> String {
        let bytes: [UInt8]
        switch state {
        case .sha256(let hash): bytes = Array(hash.finalize())
        case .sha384(let hash): bytes = Array(hash.finalize())
        case .sha512(let hash): bytes = Array(hash.finalize())
        }
        return algorithm.rawValue + ":" + hex(bytes)
    }

    static func digest(of bytes: [UInt8], _ algorithm: BerthCore.Digest.Algorithm = .sha256) -> String {
        var digester = Digester(algorithm)
        digester.update(bytes)
        return digester.finalize()
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return String(decoding: out, as: UTF8.self)
}
