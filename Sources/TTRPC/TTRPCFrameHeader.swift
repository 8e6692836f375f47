/// The fixed 10-byte header in front of every ttrpc message (ttrpc-go's channel.go `messageHeader`):
/// payload length and stream id as big-endian uint32, then the type and flags bytes.
struct TTRPCFrameHeader: Hashable, Sendable {
    static let encodedLength = 10
    /// ttrpc-go's messageLengthMax: a receiver refuses larger payloads.
    static let maxPayloadLength = 4 << 20

    var payloadLength: UInt32
    var streamID: UInt32
    var type: TTRPCMessageType
    var flags: UInt8
}
