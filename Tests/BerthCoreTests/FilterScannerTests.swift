import Testing
@testable import BerthCore

/// The token streams of containerd's filters/scanner_test.go, ported.
struct FilterScannerTests {
    typealias Scanned = FilterScanner.Scanned

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var tokens: [Scanned]
        /// The scanner's first error, which containerd reports for every illegal token.
        var error: String? = nil
        var testDescription: String { name }
    }

    static func t(_ position: Int, _ token: FilterScanner.Token, _ text: String = "") -> Scanned {
        Scanned(position: position, token: token, text: text)
    }

    static let cases: [Case] = [
        Case(name: "Field", input: "name", tokens: [t(0, .field, "name"), t(4, .eof)]),
        Case(name: "SelectorsWithOperators", input: "name==value,foo!=bar", tokens: [
            t(0, .field, "name"), t(4, .operator, "=="), t(6, .value, "value"), t(11, .separator, ","),
            t(12, .field, "foo"), t(15, .operator, "!="), t(17, .value, "bar"), t(20, .eof),
        ]),
        Case(name: "SelectorsWithFieldPaths", input: "name==value,labels.foo=value,other.bar~=match", tokens: [
            t(0, .field, "name"), t(4, .operator, "=="), t(6, .value, "value"), t(11, .separator, ","),
            t(12, .field, "labels"), t(18, .separator, "."), t(19, .field, "foo"), t(22, .operator, "="),
            t(23, .value, "value"), t(28, .separator, ","), t(29, .field, "other"), t(34, .separator, "."),
            t(35, .field, "bar"), t(38, .operator, "~="), t(40, .value, "match"), t(45, .eof),
        ]),
        Case(name: "RegexpValue", input: "name~=[abc]+,foo=test", tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .value, "[abc]+"), t(12, .separator, ","),
            t(13, .field, "foo"), t(16, .operator, "="), t(17, .value, "test"), t(21, .eof),
        ]),
        Case(name: "RegexpEscapedValue", input: #"name~=[abc]\+,foo=test"#, tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .value, #"[abc]\+"#), t(13, .separator, ","),
            t(14, .field, "foo"), t(17, .operator, "="), t(18, .value, "test"), t(22, .eof),
        ]),
        Case(name: "RegexpQuotedValue", input: "name~=/[abc]{0,2}/,foo=test", tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .quoted, "/[abc]{0,2}/"), t(18, .separator, ","),
            t(19, .field, "foo"), t(22, .operator, "="), t(23, .value, "test"), t(27, .eof),
        ]),
        Case(name: "Cowsay", input: "name~=牛,labels.moo=true", tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .value, "牛"), t(9, .separator, ","),
            t(10, .field, "labels"), t(16, .separator, "."), t(17, .field, "moo"), t(20, .operator, "="),
            t(21, .value, "true"), t(25, .eof),
        ]),
        Case(name: "CowsayRegexpQuoted", input: "name~=|牛|,labels.moo=true", tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .quoted, "|牛|"), t(11, .separator, ","),
            t(12, .field, "labels"), t(18, .separator, "."), t(19, .field, "moo"), t(22, .operator, "="),
            t(23, .value, "true"), t(27, .eof),
        ]),
        Case(name: "Escapes", input: #"name~="asdf\n\tfooo""#, tokens: [
            t(0, .field, "name"), t(4, .operator, "~="), t(6, .quoted, #""asdf\n\tfooo""#), t(20, .eof),
        ]),
        Case(name: "NullInput", input: "foo\u{0}bar", tokens: [
            t(0, .field, "foo"), t(3, .illegal), t(4, .field, "bar"), t(7, .eof),
        ], error: "unexpected null"),
        Case(name: "SpacesChomped", input: "foo = bar    ", tokens: [
            t(0, .field, "foo"), t(4, .operator, "="), t(6, .value, "bar"), t(13, .eof),
        ]),
        Case(name: "ValuesPunctuated", input: "compound.labels==punctuated_value.foo-bar", tokens: [
            t(0, .field, "compound"), t(8, .separator, "."), t(9, .field, "labels"), t(15, .operator, "=="),
            t(17, .value, "punctuated_value.foo-bar"), t(41, .eof),
        ]),
        Case(name: "PartialInput", input: "interrupted=", tokens: [
            t(0, .field, "interrupted"), t(11, .operator, "="), t(12, .eof),
        ]),
        Case(name: "DoubleValue", input: "doublevalue=value value", tokens: [
            t(0, .field, "doublevalue"), t(11, .operator, "="), t(12, .value, "value"), t(18, .field, "value"),
            t(23, .eof),
        ]),
        Case(name: "LeadingWithQuoted", input: #""leading quote".postquote==value"#, tokens: [
            t(0, .quoted, #""leading quote""#), t(15, .separator, "."), t(16, .field, "postquote"),
            t(25, .operator, "=="), t(27, .value, "value"), t(32, .eof),
        ]),
        Case(name: "MissingValue", input: "input==,id!=ff", tokens: [
            t(0, .field, "input"), t(5, .operator, "=="), t(7, .separator, ","), t(8, .field, "id"),
            t(10, .operator, "!="), t(12, .value, "ff"), t(14, .eof),
        ]),
        Case(name: "QuotedRegexp", input: #"input~=/foo\/bar/,id!=ff"#, tokens: [
            t(0, .field, "input"), t(5, .operator, "~="), t(7, .quoted, #"/foo\/bar/"#), t(17, .separator, ","),
            t(18, .field, "id"), t(20, .operator, "!="), t(22, .value, "ff"), t(24, .eof),
        ]),
        Case(name: "QuotedRegexpAlt", input: "input~=|foo/bar|,id!=ff", tokens: [
            t(0, .field, "input"), t(5, .operator, "~="), t(7, .quoted, "|foo/bar|"), t(16, .separator, ","),
            t(17, .field, "id"), t(19, .operator, "!="), t(21, .value, "ff"), t(23, .eof),
        ]),
        Case(name: "IllegalQuoted", input: "labels.containerd.io/key==value", tokens: [
            t(0, .field, "labels"), t(6, .separator, "."), t(7, .field, "containerd"), t(17, .separator, "."),
            t(18, .field, "io"), t(20, .illegal, "/key==value"), t(31, .eof),
        ], error: "quoted literal not terminated"),
        Case(name: "IllegalQuotedWithNewLine", input: "labels.\"containerd.io\nkey\"==value", tokens: [
            t(0, .field, "labels"), t(6, .separator, "."), t(7, .illegal, "\"containerd.io\n"), t(22, .field, "key"),
            t(25, .illegal, "\"==value"), t(33, .eof),
        ], error: "quoted literal not terminated"),
        Case(name: "IllegalEscapeSequence", input: #"labels."\g""#, tokens: [
            t(0, .field, "labels"), t(6, .separator, "."), t(7, .illegal, #""\g""#), t(11, .eof),
        ], error: "illegal escape sequence"),
        Case(name: "DashAsField", input: "labels.fo-obr==bla", tokens: [
            t(0, .field, "labels"), t(6, .separator, "."), t(7, .field, "fo-obr"), t(13, .operator, "=="),
            t(15, .value, "bla"), t(18, .eof),
        ]),
        Case(name: "IllegalNumericEscapeSequence", input: #"labels."\xaz""#, tokens: [
            t(0, .field, "labels"), t(6, .separator, "."), t(7, .illegal, #""\xaz""#), t(13, .eof),
        ], error: "illegal numeric escape sequence"),
        Case(name: "OtherCharacter", input: "a?b", tokens: [
            t(0, .field, "a"), t(1, .other("?")), t(2, .field, "b"), t(3, .eof),
        ]),
    ]

    @Test(arguments: cases)
    func tokenStream(_ testCase: Case) {
        var scanner = FilterScanner(testCase.input)
        var tokens: [Scanned] = []
        while tokens.count <= testCase.tokens.count {
            let scanned = scanner.scan()
            tokens.append(scanned)
            if scanned.token == .eof { break }
        }
        #expect(tokens == testCase.tokens)
        #expect(scanner.firstError == testCase.error)
        // Scanning past the end keeps answering EOF.
        #expect(scanner.scan().token == .eof)
    }
}
