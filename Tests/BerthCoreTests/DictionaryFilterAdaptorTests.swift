import Testing
import BerthCore

struct DictionaryFilterAdaptorTests {
    let adaptor = DictionaryFilterAdaptor(
        fields: ["name": "busybox", "target.digest": "sha256:abc", "image": ""],
        labels: ["a.b": "1", "empty": ""])

    @Test func looksUpFieldsByJoinedPath() {
        #expect(adaptor.field(["name"]) == "busybox")
        #expect(adaptor.field(["target", "digest"]) == "sha256:abc")
        #expect(adaptor.field(["target"]) == nil)
        #expect(adaptor.field(["missing"]) == nil)
        #expect(adaptor.field([]) == nil)
    }

    @Test func emptyFieldsAreAbsent() {
        #expect(adaptor.field(["image"]) == nil)
    }

    @Test func labelsTakeTheRestOfThePathAsKey() {
        #expect(adaptor.field(["labels", "a.b"]) == "1")
        #expect(adaptor.field(["labels", "a", "b"]) == "1")
        #expect(adaptor.field(["labels", "a"]) == nil)
        // A label that exists with an empty value is present, as in containerd's checkMap.
        #expect(adaptor.field(["labels", "empty"]) == "")
    }

    @Test func closureAdaptor() throws {
        let custom = DictionaryFilterAdaptor { $0 == ["kind"] ? "active" : nil }
        #expect(try Filter.parse("kind==active").matches(custom))
        #expect(try !Filter.parse("name").matches(custom))
    }

    @Test func labelPresenceThroughFilter() throws {
        #expect(try Filter.parse("labels.empty").matches(adaptor))
        #expect(try Filter.parse(#"labels.empty=="""#).matches(adaptor))
        #expect(try !Filter.parse(#"labels.missing=="""#).matches(adaptor))
    }
}
