import Testing
@testable import BerthCore

/// The corpus and cases of containerd's filters/filter_test.go, ported.
struct FilterCorpusTests {
    struct Entry: FilterAdaptor {
        var name: String
        var other = ""
        var labels: [String: String] = [:]

        // The adaptor of containerd's test: empty fields are absent; label keys are the joined rest.
        func field(_ fieldpath: [String]) -> String? {
            switch fieldpath.first {
            case "name": name.isEmpty ? nil : name
            case "other": other.isEmpty ? nil : other
            case "labels": labels[fieldpath.dropFirst().joined(separator: ".")]
            default: nil
            }
        }
    }

    static let corpus: [Entry] = [
        Entry(name: "foo", labels: ["foo": "true"]),
        Entry(name: "bar"),
        Entry(name: "foo", labels: ["foo": "present", "more complex label": "present"]),
        Entry(name: "bar", labels: ["bar": "true"]),
        Entry(name: "fooer", labels: [#"more complex label with \ and ""#: "present"]),
        Entry(name: "fooer", labels: [#"more complex label with \ and ".post"#: "present"]),
        Entry(name: "baz", other: "too complex, yo"),
        Entry(name: "bazo", other: "abc"),
        Entry(name: "compound", labels: ["foo": "omg_asdf.asdf-qwer"]),
    ]

    struct Case: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var matching: [Int]
        var testDescription: String { "\(name): \(input)" }
    }

    static let all = Array(0..<9)

    static let cases: [Case] = [
        Case(name: "Empty", input: "", matching: all),
        Case(name: "Present", input: "name", matching: all),
        Case(name: "LabelPresent", input: "labels.foo", matching: [0, 2, 8]),
        Case(name: "NameAndLabelPresent", input: "labels.foo,name", matching: [0, 2, 8]),
        Case(name: "LabelValue", input: "labels.foo==true", matching: [0]),
        Case(name: "LabelValuePunctuated", input: "labels.foo==omg_asdf.asdf-qwer", matching: [8]),
        Case(name: "Name", input: "name==bar", matching: [1, 3]),
        Case(name: "NameNotEqual", input: "name!=bar", matching: [0, 2, 4, 5, 6, 7, 8]),
        Case(name: "NameAndLabelPresent", input: "name==bar,labels.bar", matching: [3]),
        Case(name: "QuotedValue", input: #"other=="too complex, yo""#, matching: [6]),
        Case(name: "RegexpValue", input: "other~=[abc]+,name!=foo", matching: [6, 7]),
        Case(name: "RegexpQuotedValue", input: "other~=/[abc]+/,name!=foo", matching: [6, 7]),
        Case(name: "RegexpQuotedValueRepeat", input: "other~=/[abc]{1,2}/,name!=foo", matching: [6, 7]),
        Case(name: "RegexpQuotedValueGarbage", input: #"other~=/[abc]{0,1}"\//,name!=foo"#, matching: []),
        Case(name: "NameAndLabelValue", input: "name==bar,labels.bar==true", matching: [3]),
        Case(name: "NameAndLabelValueNoMatch", input: "name==bar,labels.bar==wrong", matching: []),
        Case(name: "LabelQuotedFieldPathPresent", input: #"name==foo,labels."more complex label""#, matching: [2]),
        Case(
            name: "LabelQuotedFieldPathPresentWithQuoted",
            input: #"labels."more complex label with \\ and \""==present"#, matching: [4]),
        Case(
            name: "LabelQuotedFieldPathPresentWithQuotedEmbed",
            input: #"labels."more complex label with \\ and \"".post==present"#, matching: [5]),
    ]

    @Test(arguments: cases)
    func matchesContainerdResults(_ testCase: Case) throws {
        let filter = try Filter.parse(testCase.input)
        let matching = Self.corpus.indices.filter { filter.matches(Self.corpus[$0]) }
        #expect(matching == testCase.matching)
    }

    struct Failure: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var message: String
        var testDescription: String { "\(name): \(input)" }
    }

    static let failures: [Failure] = [
        Failure(
            name: "LabelValueNoAltQuoting", input: "labels.|foo|==omg_asdf.asdf-qwer",
            message: "filters: parse error: [labels. >|||< foo|==omg_asdf.asdf-qwer]: invalid quote encountered"),
        Failure(
            name: "LabelQuotedFieldPathPresentWithQuotedEmbedInvalid",
            input: #"labels.?"more complex label with \\ and \"".post==present"#,
            message: #"filters: parse error: [labels. >|?|< "more complex label with \\ and \"".post==present]: expected field or quoted"#),
        Failure(
            name: "TrailingComma", input: "name==foo,",
            message: "filters: parse error: [name==foo,]: expected field or quoted"),
        Failure(
            name: "TrailingFieldSeparator", input: "labels.",
            message: "filters: parse error: [labels.]: expected field or quoted"),
        Failure(
            name: "MissingValue", input: "image~=,id?=?fbaq",
            message: "filters: parse error: [image~= >|,|< id?=?fbaq]: expected value or quoted"),
        Failure(
            name: "FieldQuotedLiteralNotTerminated", input: "labels.ns/key==value",
            message: "filters: parse error: [labels.ns >|/|< key==value]: quoted literal not terminated"),
        Failure(
            name: "ValueQuotedLiteralNotTerminated", input: "labels.key==/value",
            message: "filters: parse error: [labels.key== >|/|< value]: quoted literal not terminated"),
    ]

    @Test(arguments: failures)
    func rejectsWithContainerdMessage(_ failure: Failure) {
        #expect(throws: BerthError.invalidArgument(failure.message)) {
            try Filter.parse(failure.input)
        }
    }
}
