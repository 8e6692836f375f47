import Testing

@testable import BerthCore

@Suite struct DigestTests {
    @Test func parsesTheThreeAlgorithms() throws {
        let sha256 = "sha256:" + String(repeating: "a", count: 64)
        #expect(try Digest(parsing: sha256).description == sha256)
        #expect(try Digest(parsing: "sha384:" + String(repeating: "0", count: 96)).algorithm == .sha384)
        #expect(try Digest(parsing: "sha512:" + String(repeating: "f", count: 128)).algorithm == .sha512)
    }

    @Test(arguments: [
        "", "sha256", ":abc", "md5:" + String(repeating: "a", count: 32), "sha256:" + String(repeating: "a", count: 63),
        "sha256:" + String(repeating: "A", count: 64), "sha256:" + String(repeating: "g", count: 64),
        "sha256:../../../../etc/passwd",
    ])
    func rejectsMalformedDigests(_ text: String) {
        #expect(throws: BerthError.self) { try Digest(parsing: text) }
    }
}
