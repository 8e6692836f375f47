import BerthCore
import Foundation
import Testing
@testable import Metadata

@Suite struct LabelCodingTests {
    @Test func labelsRoundTripIncludingEscapesAndUnicode() throws {
        let labels = [
            "containerd.io/gc.ref.content.l.0": "sha256:9ad6",
            "quote\"and\\backslash": "line\nbreak\ttab",
            "ünïcödé": "😀 \u{1}\u{1F}\u{7F}",
            "empty": "",
        ]
        let text = try LabelCoding.encode(labels)
        #expect(try LabelCoding.decode(text) == labels)
        #expect(try LabelCoding.decode("{}") == [:])
    }

    /// Any JSON spelling of a flat object of strings reads as JSONSerialization reads it.
    @Test(arguments: [
        #"{}"#, #" { } "#, #"{"a":"b"}"#, "\n{ \"a\" :\t\"b\" ,\r\"c\":\"d\" }\n", #"{"a\/b":"\u00e9\u0041"}"#,
        #"{"e":"\ud83d\ude00 \b\f\n\r\t\"\\"}"#, #"{"k":"1","k":"2"}"#, #"{"x":"ünï 😀"}"#, #"{"":""}"#,
    ])
    func otherSpellingsReadAsJSONSerializationReadsThem(_ text: String) throws {
        let expected = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: String])
        #expect(try LabelCoding.decode(text) == expected)
    }

    @Test func randomLabelsRoundTrip() throws {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("aZ09./-_:\"\\\n\t\u{0}\u{1F}é😀 ")
        func word() -> String {
            String((0..<Int.random(in: 0...12, using: &generator)).map { _ in alphabet.randomElement(using: &generator) ?? "a" })
        }
        for _ in 0..<200 {
            var labels: [String: String] = [:]
            for _ in 0..<Int.random(in: 0...6, using: &generator) { labels[word()] = word() }
            #expect(try LabelCoding.decode(try LabelCoding.encode(labels)) == labels)
        }
    }

    @Test(arguments: [
        "", "[]", "{\"a\":1}", "{\"a\":null}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":\"b\"", "\"text\"", "{\"a\":\"b\"}x",
        "{\"a\":\"b\",}", "{\"a\" \"b\"}", "{\"a\":\"\u{1}\"}", "{\"a\":\"\\x41\"}", "{\"a\":\"\\ud800\"}", "{\"a\":\"\\udc00x\"}",
        "{\"a\":\"\\u12\"}", "{a:\"b\"}", "{\"a\":\"b\"}}",
    ])
    func aCorruptColumnIsAnError(_ text: String) {
        #expect(throws: BerthError.self) { try LabelCoding.decode(text) }
    }
}
