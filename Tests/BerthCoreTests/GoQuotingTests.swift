import Testing
@testable import BerthCore

struct GoQuotingTests {
    @Test(arguments: [
        ("plain", #""plain""#),
        (#"a"b\c"#, #""a\"b\\c""#),
        ("tab\tnewline\n", #""tab\tnewline\n""#),
        ("\u{07}\u{08}\u{0C}\r\u{0B}", #""\a\b\f\r\v""#),
        ("\u{1}\u{7F}", #""\x01\x7f""#),
        ("naïve 牛 😀", #""naïve 牛 😀""#),
        ("nbsp\u{A0}", #""nbsp\u00a0""#),
        ("soft\u{AD}hyphen", #""soft\u00adhyphen""#),
        ("tag\u{E0001}", #""tag\U000e0001""#),
    ])
    func quotesLikeGoPercentQ(input: String, quoted: String) {
        #expect(GoQuoting.quote(input) == quoted)
    }

    @Test(arguments: [
        (#""plain""#, "plain"),
        (#""a\tb\n""#, "a\tb\n"),
        (#""\a\b\f\r\v\\""#, "\u{07}\u{08}\u{0C}\r\u{0B}\\"),
        (#""\"quoted\"""#, "\"quoted\""),
        (#"/a\/b/"#, "a/b"),
        (#"|a\|b|"#, "a|b"),
        (#"/a"b/"#, "a\"b"),
        (#""\x41\101\u00e9\U0001F600""#, "AAé😀"),
        (#""\xc3\xa9""#, "é"),
        (#""\ud800""#, "\u{FFFD}"),
        (#""牛""#, "牛"),
        (#""""#, ""),
    ])
    func unquotes(literal: String, value: String) {
        #expect(GoQuoting.unquote(literal) == value)
    }

    @Test(arguments: [
        #"""#, #""abc"#, #"'a'"#, "\"a\nb\"", #""\q""#, #""\777""#, #""\x4""#, #""\u12""#,
        #""\U00110000""#, #""\'""#, #""\/""#, #"/\"/"#, #"|\/|"#, #""\""#, #""a"b""#,
    ])
    func rejectsWhatGoCallsQuoteSyntaxErrors(literal: String) {
        #expect(GoQuoting.unquote(literal) == nil)
    }
}
