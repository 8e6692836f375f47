/// ttrpc's wire framing: a 10-byte header (payload length and stream id, big-endian uint32s, then the
/// message type and flags bytes) followed by the payload, which is a protobuf ttrpc.Request or Response.
enum TTRPCFraming {
    static let headerLength = 10
    /// ttrpc-go refuses messages over 4 MiB.
    static let maxPayloadLength = 4 << 20

    enum MessageType: UInt8 {
        case request = 1
        case response = 2
        case data = 3
    }

    struct Frame: Equatable {
        var streamID: UInt32
        var type: UInt8
        var flags: UInt8 = 0
        var payload: [UInt8]
    }

    static func encode(_ frame: Frame) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(headerLength + frame.payload.count)
        append(UInt32(frame.payload.count), to: &bytes)
        append(frame.streamID, to: &bytes)
        bytes.append(frame.type)
        bytes.append(frame.flags)
        bytes.append(contentsOf: frame.payload)
        return bytes
    }

    enum Decoded: Equatable {
        case frame(Frame, consumed: Int)
        case needMore
        case oversized(streamID: UInt32, length: Int)
    }

    /// The first complete frame at the start of `buffer`, if there is one.
    static func decode(_ buffer: ArraySlice<UInt8>) -> Decoded {
        guard buffer.count >= headerLength else { return .needMore }
        let start = buffer.startIndex
        let length = Int(readUInt32(buffer, at: start))
        let streamID = readUInt32(buffer, at: start + 4)
        guard length <= maxPayloadLength else { return .oversized(streamID: streamID, length: length) }
        guard buffer.count >= headerLength + length else { return .needMore }
        let payloadStart = start + headerLength
        let frame = Frame(
            streamID: streamID, type: buffer[start + 8], flags: buffer[start + 9],
            payload: Array(buffer[payloadStart..<(payloadStart + length)]))
        return .frame(frame, consumed: headerLength + length)
    }

    private static func append(_ value: UInt32, to bytes: inout [UInt8]) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 24))
        bytes.append(UInt8(truncatingIfNeeded: value >> 16))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    private static func readUInt32(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt32 {
        UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
            | UInt32(bytes[index + 3])
    }
}
