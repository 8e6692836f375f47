import NIOCore

/// Writes ttrpc frames: the 10-byte header, then the payload.
///
/// Small payloads are copied behind the header into one buffer (one write); large ones go out as a
/// second buffer so they are not copied. Payloads over the limit fail the write: the peer would refuse them.
final class TTRPCFrameEncoder: ChannelOutboundHandler {
    typealias OutboundIn = TTRPCFrame
    typealias OutboundOut = ByteBuffer

    /// Below this a copy is cheaper than a second write.
    static let coalesceLimit = 16 << 10

    let maxPayloadLength: Int

    init(maxPayloadLength: Int = TTRPCFrameHeader.maxPayloadLength) {
        self.maxPayloadLength = maxPayloadLength
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let frame = unwrapOutboundIn(data)
        let length = frame.payload.readableBytes
        guard length <= maxPayloadLength else {
            promise?.fail(TTRPCError.messageTooLarge(length))
            return
        }
        let coalesce = length <= Self.coalesceLimit
        var header = context.channel.allocator.buffer(
            capacity: TTRPCFrameHeader.encodedLength + (coalesce ? length : 0))
        header.writeInteger(UInt32(length), endianness: .big)
        header.writeInteger(frame.streamID, endianness: .big)
        header.writeInteger(frame.type.rawValue)
        header.writeInteger(frame.flags)
        if coalesce {
            header.writeImmutableBuffer(frame.payload)
            context.write(wrapOutboundOut(header), promise: promise)
        } else {
            context.write(wrapOutboundOut(header), promise: nil)
            context.write(wrapOutboundOut(frame.payload), promise: promise)
        }
    }
}
