import Testing
import BerthCore

struct IdentifiersTests {
    static let valid = [
        "default", "Default", "default-default", "containerd.io", "foo.boo", "swarmkit.docker.io",
        "0912341234", "task.0.0123456789", "container.system-75-f19a.00", "underscores_are_allowed",
        "a", "A_b-C.d", String(repeating: "a", count: 76),
    ]

    @Test(arguments: valid)
    func accepts(id: String) throws {
        try Identifiers.validate(id)
    }

    static let malformed = [
        ".foo", "foo.", "-foo", "foo-", "_foo", "foo..bar", "foo--bar", "foo__bar", "foo.-bar", "foo bar",
        "foo/bar", "naïve", "a\tb", "foo:bar", "🐳",
    ]

    @Test(arguments: malformed)
    func rejectsMalformed(id: String) throws {
        let error = try #require(throws: BerthError.self) { try Identifiers.validate(id) }
        #expect(error.kind == .invalidArgument)
        #expect(error.message.hasSuffix(" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"))
    }

    @Test func messageQuotesTheIdentifierLikeGo() {
        #expect(throws: BerthError.invalidArgument(
            #"identifier "foo..bar" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"#)) {
            try Identifiers.validate("foo..bar")
        }
        #expect(throws: BerthError.invalidArgument(
            #"identifier "a\tb\"" must match ^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"#)) {
            try Identifiers.validate("a\tb\"")
        }
    }

    @Test func rejectsEmpty() {
        #expect(throws: BerthError.invalidArgument("identifier must not be empty")) {
            try Identifiers.validate("")
        }
    }

    @Test func rejectsTooLongBeforeCheckingCharacters() {
        let long = String(repeating: "a", count: 77)
        #expect(throws: BerthError.invalidArgument(
            "identifier \"\(long)\" greater than maximum length (76 characters)")) {
            try Identifiers.validate(long)
        }
        let longAndMalformed = String(repeating: "-", count: 77)
        #expect(throws: BerthError.invalidArgument(
            "identifier \"\(longAndMalformed)\" greater than maximum length (76 characters)")) {
            try Identifiers.validate(longAndMalformed)
        }
    }

    @Test func lengthCountsBytes() throws {
        // 38 two-byte characters are 76 bytes: malformed, but not too long.
        let error = try #require(throws: BerthError.self) { try Identifiers.validate(String(repeating: "é", count: 38)) }
        #expect(error.message.contains("must match"))
        let tooLong = try #require(throws: BerthError.self) { try Identifiers.validate(String(repeating: "é", count: 39)) }
        #expect(tooLong.message.contains("greater than maximum length"))
    }
}
