import BerthCore
import Foundation
import GRDB
import Testing

@testable import Metadata

@Suite struct TypedValueCodingTests {
    static let values = [
        TypedValue(typeURL: "types.containerd.io/opencontainers/runtime-spec/1/Spec", value: Data("{\"ociVersion\":\"1\"}".utf8)),
        TypedValue(typeURL: "", value: Data()),
        TypedValue(typeURL: "", value: Data([0x7B, 0x00, 0xFF])),
        TypedValue(typeURL: "x", value: Data()),
    ]

    @Test(arguments: values)
    func valuesRoundTripAndNeverLookLikeJSON(_ value: TypedValue) throws {
        let stored = try #require(try TypedValueCoding.encode(value))
        #expect(stored.first != UInt8(ascii: "{"))
        #expect(try TypedValueCoding.decode(stored) == value)
    }

    @Test func theFirstFormatStillReads() throws {
        let json = Data(#"{"typeURL":"types.containerd.io/x","value":"aGVsbG8="}"#.utf8)
        #expect(try TypedValueCoding.decode(json) == TypedValue(typeURL: "types.containerd.io/x", value: Data("hello".utf8)))
        #expect(throws: BerthError.self) { try TypedValueCoding.decode(Data("{\"typeURL\":1}".utf8)) }
        #expect(throws: BerthError.self) { try TypedValueCoding.decode(Data([0x0A, 0x09, 0x61])) }
    }

    @Test func aContainerWrittenInTheFirstFormatReadsBack() async throws {
        let root = try TemporaryDirectory()
        let store = try MetadataStore(root: root.path)
        let spec = TypedValue(typeURL: "types.containerd.io/opencontainers/runtime-spec/1/Spec", value: Data("{}".utf8))
        let options = TypedValue(typeURL: "containerd.runc.v1.Options", value: Data([1, 2, 3]))
        _ = try await store.createContainer(
            namespace: "ns", ContainerRecord(id: "c", runtime: .init(name: "io.containerd.runc.v2", options: options), spec: spec))
        var read = try await store.container(namespace: "ns", id: "c")
        #expect(read.spec == spec && read.runtime.options == options)

        let queue = try DatabaseQueue(path: store.path)
        try await queue.write { db in
            try db.execute(
                sql: "UPDATE containers SET spec = ?, runtime_options = ?",
                arguments: [try JSONEncoder().encode(spec), try JSONEncoder().encode(options)])
        }
        try queue.close()
        read = try await store.container(namespace: "ns", id: "c")
        #expect(read.spec == spec && read.runtime.options == options)
    }
}
