import Testing
@testable import BerthCore

struct FilterMatchingTests {
    let foo = DictionaryFilterAdaptor(fields: ["name": "foo"], labels: ["a.b": "1", "com.example/key": "v"])
    let bar = DictionaryFilterAdaptor(fields: ["name": "bar", "other": "x"])

    @Test func alwaysMatchesAnything() {
        #expect(Filter.always.matches(foo))
        #expect(Filter.always.matches(DictionaryFilterAdaptor(fields: [:])))
    }

    @Test func parseAllOrsExpressions() throws {
        let filter = try Filter.parseAll(["name==foo", "name==baz"])
        #expect(filter.matches(foo))
        #expect(!filter.matches(bar))
        #expect(try Filter.parseAll(["name==foo", "other"]).matches(bar))
    }

    @Test(arguments: [[], [""], ["", ""], ["", "name==nothing"]])
    func parseAllWithoutSelectorsMatchesEverything(expressions: [String]) throws {
        let filter = try Filter.parseAll(expressions)
        #expect(filter.matches(foo))
        #expect(filter.matches(bar))
    }

    @Test func commaRequiresEverySelector() throws {
        #expect(try Filter.parse("name==foo,labels.\"a.b\"==1").matches(foo))
        #expect(try !Filter.parse("name==foo,labels.\"a.b\"==2").matches(foo))
    }

    @Test func notEqualAndRegexpTreatAbsentFieldsAsEmpty() throws {
        #expect(try Filter.parse("other!=x").matches(foo))
        #expect(try !Filter.parse(#"other!="""#).matches(foo))
        #expect(try Filter.parse(#"other!="""#).matches(bar))
        #expect(try Filter.parse("other~=^$").matches(foo))
    }

    @Test func equalNeedsThePresentField() throws {
        #expect(try !Filter.parse(#"other=="""#).matches(foo))
    }

    @Test func regexpIsUnanchored() throws {
        #expect(try Filter.parse("name~=o").matches(foo))
        #expect(try !Filter.parse("name~=^o").matches(foo))
        #expect(try Filter.parse("name~=|^f.o$|").matches(foo))
    }

    @Test func regexpQuotesAllowSlashesAndPipes() throws {
        let topic = DictionaryFilterAdaptor(fields: ["topic": "/namespaces/create"])
        #expect(try Filter.parse(#"topic=="/namespaces/create""#).matches(topic))
        // Outside `~=`, a value starting with `/` must be double-quoted.
        #expect(throws: BerthError.invalidArgument(
            "filters: parse error: [topic== >|/|< namespaces/create]: invalid quote encountered")) {
            try Filter.parse("topic==/namespaces/create")
        }
        #expect(try Filter.parse(#"topic~=/^\/namespaces\//"#).matches(topic))
        #expect(try Filter.parse("topic~=|^/namespaces/|").matches(topic))
        #expect(try Filter.parse(#"topic~="^/namespaces/(create|update)$""#).matches(topic))
    }

    @Test func unquotedValueMayContainPunctuation() throws {
        let topic = DictionaryFilterAdaptor(fields: ["topic": "/tasks/exit"])
        // A value may not start with a quote character, but may contain one.
        #expect(try Filter.parse("topic~=^.tasks/exit$").matches(topic))
    }

    @Test func quotedFieldPathComponentsAndDottedLabelKeys() throws {
        #expect(try Filter.parse(#"labels."a.b""#).matches(foo))
        #expect(try Filter.parse("labels.a.b==1").matches(foo))
        #expect(try Filter.parse(#"labels."com.example/key"==v"#).matches(foo))
        #expect(try !Filter.parse("labels.missing").matches(foo))
    }

    @Test func quotedStringsUseGoEscapes() throws {
        let adaptor = DictionaryFilterAdaptor(fields: ["name": "é\t\"x\""], labels: ["ü": "1"])
        #expect(try Filter.parse(#"name=="\u00e9\t\"x\"""#).matches(adaptor))
        #expect(try Filter.parse(#"labels."\xc3\xbc"==1"#).matches(adaptor))
    }

    @Test func spacesAroundTokensAreSkipped() throws {
        #expect(try Filter.parse(" name == foo,labels.\"a.b\"").matches(foo))
    }

    @Test func comparesBytesNotCanonicalEquivalence() throws {
        let composed = DictionaryFilterAdaptor(fields: ["name": "\u{E9}"])
        #expect(try Filter.parse("name==\u{E9}").matches(composed))
        #expect(try !Filter.parse("name==e\u{301}").matches(composed))
    }

    @Test func regexpFollowsGoSemantics() throws {
        let arabicDigits = DictionaryFilterAdaptor(fields: ["name": "١٢"])
        #expect(try !Filter.parse(#"name~=\d"#).matches(arabicDigits))
        #expect(try Filter.parse(#"name~=^\pN+$"#).matches(arabicDigits))
        #expect(try Filter.parse(#"name~=^\p{N}+$"#).matches(arabicDigits))
        let decomposed = DictionaryFilterAdaptor(fields: ["name": "e\u{301}"])
        #expect(try !Filter.parse("name~=^.$").matches(decomposed))
        #expect(try Filter.parse("name~=^..$").matches(decomposed))
        #expect(try Filter.parse("name~=(?i)^E").matches(decomposed))
    }

    @Test func fieldNamesMayStartWithDigitsAndContainDashes() throws {
        let adaptor = DictionaryFilterAdaptor(fields: [:], labels: ["fo-obr": "bla", "1x": "y"])
        #expect(try Filter.parse("labels.fo-obr==bla,labels.1x==y").matches(adaptor))
    }

    @Test func filtersAreSendable() async throws {
        let filter = try Filter.parse("name~=^f")
        let adaptor = foo
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask { filter.matches(adaptor) } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }
}
