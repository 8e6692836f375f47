import Testing
@testable import BerthCore

/// Parse errors beyond containerd's own test table, with the messages its parser produces.
struct FilterErrorTests {
    @Test(arguments: [
        ("name=foo", #"filters: parse error: [name >|=|< foo]: unsupported operator "=""#),
        ("name!~=foo", #"filters: parse error: [name >|!|< ~=foo]: unsupported operator "!~=""#),
        ("name foo", #"filters: parse error: [name  >|f|< oo]: expected an operator ("=="|"!="|"~=")"#),
        ("name==foo bar", "filters: parse error: [name==foo >| |< bar]: unexpected input:  "),
        (#"name=="x"y"#, #"filters: parse error: [name=="x" >|y|< ]: unexpected input: y"#),
        (#"labels.a"b""#, #"filters: parse error: [labels.a >|"|< b"]: expected an operator ("=="|"!="|"~=")"#),
        ("name==", "filters: parse error: [name==]: expected value or quoted"),
        (" ", "filters: parse error: [ ]: expected field or quoted"),
        (",", "filters: parse error: [ >|,|< ]: expected field or quoted"),
        ("name==a,,", "filters: parse error: [name==a, >|,|< ]: expected field or quoted"),
        (#"name=="\q""#, #"filters: parse error: [name== >|"|< \q"]: illegal escape sequence"#),
        (#"labels."\xaz""#, #"filters: parse error: [labels. >|"|< \xaz"]: illegal numeric escape sequence"#),
        (#"name=="\777""#, #"filters: parse error: [name== >|"|< \777"]: unquoting failed: quote syntax error"#),
        ("name==|foo|", "filters: parse error: [name== >|||< foo|]: invalid quote encountered"),
        ("name==/foo/", "filters: parse error: [name== >|/|< foo/]: invalid quote encountered"),
        ("labels.\"a\nb\"", "filters: parse error: [labels. >|\"|< a\nb\"]: quoted literal not terminated"),
        ("a\u{0}", "filters: parse error: [a >|\u{0}|< ]: unexpected null"),
        ("a==b\u{FFFD}", "filters: parse error: [a==b >|\u{FFFD}|< ]: unexpected input: \u{FFFD}"),
    ])
    func reportsPositionAndReason(input: String, message: String) {
        #expect(throws: BerthError.invalidArgument(message)) {
            try Filter.parse(input)
        }
    }

    @Test func fencesWholeNonASCIICharacter() {
        // Go fences a single byte here and so prints broken UTF-8; Berth fences the character.
        #expect(throws: BerthError.invalidArgument("filters: parse error: [labels. >|牛|< ==x]: expected field or quoted")) {
            try Filter.parse("labels.牛==x")
        }
    }

    @Test(arguments: ["name~=[abc", "name~=(foo", "name~=*", #"name~=/a{2,1}/"#])
    func rejectsInvalidRegexpAtParseTime(input: String) throws {
        let error = try #require(throws: BerthError.self) { try Filter.parse(input) }
        #expect(error.kind == .invalidArgument)
        #expect(error.message.hasPrefix("filters: failed to parse regular expression: error parsing regexp: "))
    }

    @Test func regexpErrorQuotesThePattern() throws {
        let error = try #require(throws: BerthError.self) { try Filter.parse("name~=[abc") }
        #expect(error.message.hasSuffix(": `[abc`"))
    }

    @Test func parseAllReportsTheFailingExpression() {
        #expect(throws: BerthError.invalidArgument("filters: parse error: [name==]: expected value or quoted")) {
            try Filter.parseAll(["name==foo", "name=="])
        }
    }
}
