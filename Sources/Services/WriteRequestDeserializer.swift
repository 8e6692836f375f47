import BerthAPI
import Foundation
import GRPCCore
import GRPCProtobuf
import SwiftProtobuf
import UnixGRPCTransport

/// Decodes Content/Write requests without copying their data: the `data` field becomes a view of the
/// received message's buffer (`ByteBufferBytes.sharedData`) instead of a fresh copy.
///
/// Why: SwiftProtobuf copies every bytes field; for an ingest that is one more pass over every byte on the
/// event loop, about a quarter of its time there besides hashing. The other fields are decoded as usual, from
/// the message with the data field cut out (fields may come in any order and merge, so the rest is still a
/// valid message). Anything unusual (another bytes type, a repeated or malformed data field) takes
/// SwiftProtobuf's own path, which also reports the errors.
struct WriteRequestDeserializer: MessageDeserializer {
    typealias Message = Containerd_Services_Content_V1_WriteContentRequest
    static let dataField = 6

    func deserialize<Bytes: GRPCContiguousBytes>(_ serializedMessageBytes: Bytes) throws -> Message {
        if let wire = serializedMessageBytes as? ByteBufferBytes, let message = Self.decodeSharingData(wire) {
            return message
        }
        return try ProtobufDeserializer<Message>().deserialize(serializedMessageBytes)
    }

    private static func decodeSharingData(_ wire: ByteBufferBytes) -> Message? {
        let split = wire.withUnsafeBytes { raw -> (rest: [UInt8], data: Range<Int>)? in
            guard let fields = ProtobufFieldScan.fields(in: raw) else { return nil }
            let data = fields.filter { $0.number == dataField }
            guard data.count == 1, let field = data.first, field.wireType == .lengthDelimited else { return nil }
            let rest = Array(raw[..<field.range.lowerBound]) + Array(raw[field.range.upperBound...])
            return (rest, field.payload)
        }
        guard let split, var message = try? Message(serializedBytes: split.rest) else { return nil }
        message.data = wire.sharedData(split.data)
        return message
    }
}

/// The top-level fields of a serialized protobuf message, found without decoding them.
enum ProtobufFieldScan {
    enum WireType: UInt64 {
        case varint = 0, fixed64 = 1, lengthDelimited = 2, fixed32 = 5
    }

    struct Field: Equatable {
        var number: Int
        var wireType: WireType
        /// The whole field: key, length and payload.
        var range: Range<Int>
        /// The payload alone (for a length-delimited field, without its length).
        var payload: Range<Int>
    }

    /// Every field in order, or nil when the bytes are not a sequence of well-formed fields (groups included,
    /// which this scan does not follow).
    static func fields(in bytes: UnsafeRawBufferPointer) -> [Field]? {
        var fields: [Field] = []
        var offset = 0
        while offset < bytes.count {
            let start = offset
            guard let key = varint(bytes, &offset), let wireType = WireType(rawValue: key & 7) else { return nil }
            let number = key >> 3
            guard number > 0, number <= 536_870_911 else { return nil }
            let payloadStart: Int, payloadLength: Int
            switch wireType {
            case .varint:
                payloadStart = offset
                guard varint(bytes, &offset) != nil else { return nil }
                payloadLength = offset - payloadStart
            case .fixed64, .fixed32:
                payloadStart = offset
                payloadLength = wireType == .fixed64 ? 8 : 4
            case .lengthDelimited:
                guard let length = varint(bytes, &offset), length <= UInt64(bytes.count - offset) else { return nil }
                payloadStart = offset
                payloadLength = Int(length)
            }
            guard payloadLength <= bytes.count - payloadStart else { return nil }
            offset = payloadStart + payloadLength
            fields.append(Field(
                number: Int(number), wireType: wireType, range: start..<offset, payload: payloadStart..<offset))
        }
        return fields
    }

    /// A base-128 varint of at most ten bytes at `offset`, which moves past it.
    private static func varint(_ bytes: UnsafeRawBufferPointer, _ offset: inout Int) -> UInt64? {
        var value: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < bytes.count else { return nil }
            let byte = bytes[offset]
            offset += 1
            value |= UInt64(byte & 0x7f) << UInt64(shift)
            if byte & 0x80 == 0 { return value }
        }
        return nil
    }
}
