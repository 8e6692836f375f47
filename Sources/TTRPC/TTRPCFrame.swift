import NIOCore

/// One ttrpc message: its stream, type and flags, and the payload (a marshalled ttrpc.Request or Response).
struct TTRPCFrame: Sendable {
    var streamID: UInt32
    var type: TTRPCMessageType
    var flags: UInt8
    var payload: ByteBuffer

    init(streamID: UInt32, type: TTRPCMessageType, flags: UInt8 = 0, payload: ByteBuffer) {
        self.streamID = streamID
        self.type = type
        self.flags = flags
        self.payload = payload
    }
}
