import BerthCore
import Foundation
import SwiftProtobuf

/// How a container's typed values (spec, runtime options, extensions) are stored.
///
/// A value is a serialized `google.protobuf.Any`, as on the wire: the spec is read on every Containers/Get
/// and Tasks/Create, and JSON with the bytes in base64 (the first format) cost about 110k instructions per
/// read for a default spec, a sixth of the whole call. Rows written in that format still read: an Any's
/// encoding never starts with `{`.
enum TypedValueCoding {
    static func encode(_ value: TypedValue?) throws -> Data? {
        guard let value else { return nil }
        let any = Google_Protobuf_Any.with {
            $0.typeURL = value.typeURL
            $0.value = value.value
        }
        let bytes: [UInt8] = try any.serializedBytes()
        return Data(bytes)
    }

    static func decode(_ data: Data?) throws -> TypedValue? {
        guard let data else { return nil }
        if data.first == UInt8(ascii: "{") { return try decodeJSON(TypedValue.self, data, column: "typed value") }
        do {
            let any = try Google_Protobuf_Any(serializedBytes: data)
            return TypedValue(typeURL: any.typeURL, value: any.value)
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt typed value: \(error)")
        }
    }

    /// Extensions as a JSON object of type URL and base64 bytes, keys sorted: they are rare and small.
    static func encodeMap(_ values: [String: TypedValue]) throws -> Data? {
        guard !values.isEmpty else { return nil }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return try encoder.encode(values)
    }

    static func decodeMap(_ data: Data?) throws -> [String: TypedValue] {
        guard let data else { return [:] }
        return try decodeJSON([String: TypedValue].self, data, column: "extensions column")
    }

    private static func decodeJSON<Value: Decodable>(_ type: Value.Type, _ data: Data, column: String) throws -> Value {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt \(column): \(error)")
        }
    }
}
