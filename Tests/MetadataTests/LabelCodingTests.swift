import BerthCore
import Testing
@testable import Metadata

@Suite struct LabelCodingTests {
    @Test func labelsRoundTripIncludingEscapesAndUnicode() throws {
        let labels = [
            "containerd.io/gc.ref.content.l.0": "sha256:9ad6",
            "quote\"and\\backslash": "line\nbreak\ttab",
            "ünïcödé": "😀 \u{1}",
            "empty": "",
        ]
        let text = try LabelCoding.encode(labels)
        #expect(try LabelCoding.decode(text) == labels)
        #expect(try LabelCoding.decode("{}") == [:])
    }

    @Test(arguments: ["", "[]", "{\"a\":1}", "{\"a\":null}", "{\"a\":{\"b\":\"c\"}}", "{\"a\":\"b\"", "\"text\""])
    func aCorruptColumnIsAnError(_ text: String) {
        #expect(throws: BerthError.self) { try LabelCoding.decode(text) }
    }
}
