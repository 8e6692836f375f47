import NIOCore

/// Splits the byte stream into ttrpc frames.
///
/// The announced length is checked before any payload is waited for, so a peer cannot make this side
/// buffer more than one maximum-size frame: an oversized payload is skipped as it arrives, and the
/// connection survives (as with ttrpc-go, which discards it and answers with a status).
struct TTRPCFrameDecoder: ByteToMessageDecoder {
    typealias InboundOut = TTRPCInboundFrame

    let maxPayloadLength: Int
    /// Bytes of an oversized payload still to skip.
    private var discarding = 0

    init(maxPayloadLength: Int = TTRPCFrameHeader.maxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        if discarding > 0 {
            let skipped = min(discarding, buffer.readableBytes)
            guard skipped > 0 else { return .needMoreData }
            buffer.moveReaderIndex(forwardBy: skipped)
            discarding -= skipped
            return discarding == 0 ? .continue : .needMoreData
        }
        guard let header = Self.peekHeader(buffer) else { return .needMoreData }
        let length = Int(header.payloadLength)
        if length > maxPayloadLength {
            buffer.moveReaderIndex(forwardBy: TTRPCFrameHeader.encodedLength)
            discarding = length
            context.fireChannelRead(wrapInboundOut(.oversized(header)))
            return .continue
        }
        guard buffer.readableBytes >= TTRPCFrameHeader.encodedLength + length else { return .needMoreData }
        buffer.moveReaderIndex(forwardBy: TTRPCFrameHeader.encodedLength)
        guard let payload = buffer.readSlice(length: length) else { return .needMoreData }
        let frame = TTRPCFrame(streamID: header.streamID, type: header.type, flags: header.flags, payload: payload)
        context.fireChannelRead(wrapInboundOut(.frame(frame)))
        return .continue
    }

    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        // Whole frames still buffered are delivered; a partial one at EOF is dropped.
        try decode(context: context, buffer: &buffer)
    }

    static func peekHeader(_ buffer: ByteBuffer) -> TTRPCFrameHeader? {
        let start = buffer.readerIndex
        guard buffer.readableBytes >= TTRPCFrameHeader.encodedLength,
            let length = buffer.getInteger(at: start, endianness: .big, as: UInt32.self),
            let streamID = buffer.getInteger(at: start + 4, endianness: .big, as: UInt32.self),
            let type = buffer.getInteger(at: start + 8, as: UInt8.self),
            let flags = buffer.getInteger(at: start + 9, as: UInt8.self)
        else { return nil }
        return TTRPCFrameHeader(
            payloadLength: length, streamID: streamID, type: TTRPCMessageType(rawValue: type), flags: flags)
    }
}
