import APISupport
import BerthCore
import Events
import Foundation
import SwiftProtobuf

extension EventPayload {
    /// Encodes a containerd event message the way containerd's typeurl does: the type URL is the
    /// message's full proto name, and filterable fields are its proto fields by their proto names.
    public init(message: some SwiftProtobuf.Message) throws {
        let value = try message.serializedBytes() as [UInt8]
        var options = JSONEncodingOptions()
        options.preserveProtoFieldNames = true
        var fields: [String: String] = [:]
        // Fields are for filters only: an event whose JSON form cannot be made (an Any of a type this build
        // does not know, such as runtime options) still goes out, just without filterable fields.
        if let json = try? message.jsonUTF8Data(options: options),
           let object = try? JSONSerialization.jsonObject(with: json) {
            Self.flatten(object, prefix: "", into: &fields)
        }
        self.init(typeURL: type(of: message).protoMessageName, value: value, fields: fields)
    }

    /// Rebuilds the payload from an Any a client sent (Publish, Forward); only known event types yield fields.
    public init(any: Google_Protobuf_Any) {
        var fields: [String: String] = [:]
        if let message = EventTypes.decode(any),
           let payload = try? EventPayload(message: message) {
            fields = payload.fields
        }
        self.init(typeURL: any.typeURL, value: [UInt8](any.value), fields: fields)
    }

    public var any: Google_Protobuf_Any {
        var any = Google_Protobuf_Any()
        any.typeURL = typeURL
        any.value = Data(value)
        return any
    }

    private static func flatten(_ value: Any, prefix: String, into fields: inout [String: String]) {
        switch value {
        case let object as [String: Any]:
            for (key, child) in object {
                flatten(child, prefix: prefix.isEmpty ? key : "\(prefix).\(key)", into: &fields)
            }
        case let string as String:
            fields[prefix] = string
        case let number as NSNumber:
            fields[prefix] = number.stringValue
        default:
            break  // lists have no single value to match, as in containerd
        }
    }
}
