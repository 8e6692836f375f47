import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct DigestHasherTests {
    @Test func knownVectorsForTheThreeAlgorithms() {
        let abc = Array("abc".utf8)
        #expect(DigestHasher.digest(of: abc, algorithm: .sha256).description
            == "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(DigestHasher.digest(of: abc, algorithm: .sha384).description
            == "sha384:cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7")
        #expect(DigestHasher.digest(of: abc, algorithm: .sha512).description
            == "sha512:ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f")
        #expect(DigestHasher(.sha256).finalize().description
            == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test(arguments: Digest.Algorithm.allCases)
    func incrementalEqualsOneShot(_ algorithm: Digest.Algorithm) {
        let bytes = randomBytes(100_003, seed: 7)
        var hasher = DigestHasher(algorithm)
        var start = 0
        for size in [0, 1, 63, 64, 65, 4096, 30_000] {
            let end = min(start + size, bytes.count)
            hasher.update(Array(bytes[start..<end]))
            start = end
        }
        hasher.update(Array(bytes[start...]))
        #expect(hasher.algorithm == algorithm)
        #expect(hasher.finalize() == DigestHasher.digest(of: bytes, algorithm: algorithm))
    }

    @Test func finalizeLeavesTheHasherUsableAndResetStartsOver() {
        var hasher = DigestHasher(.sha512)
        hasher.update(Array("ab".utf8))
        _ = hasher.finalize()
        hasher.update(Array("c".utf8))
        #expect(hasher.finalize() == DigestHasher.digest(of: Array("abc".utf8), algorithm: .sha512))
        hasher.reset()
        #expect(hasher.finalize() == DigestHasher(.sha512).finalize())
    }

    /// Cross-check against coreutils on a multi-MiB input, independent of swift-crypto.
    @Test func agreesWithCoreutils() throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let bytes = randomBytes(3 << 20 | 17, seed: 99)
        let path = directory + "/blob"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        for algorithm in Digest.Algorithm.allCases {
            let tool = "/usr/bin/\(algorithm.rawValue)sum"
            guard FileManager.default.isExecutableFile(atPath: tool) else { continue }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: tool)
            process.arguments = [path]
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = pipe.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            let hex = String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init)
            #expect(hex == DigestHasher.digest(of: bytes, algorithm: algorithm).encoded)
        }
    }
}
