import NIOCore
import NIOPosix

@testable import TTRPC

/// A bare connection to a server that writes hand-made frame bytes and collects what comes back,
/// for what TTRPCClient will not send (oversized or even-numbered frames).
struct RawConnection {
    let channel: any Channel
    let frames: AsyncStream<TTRPCInboundFrame>

    final class Collector: ChannelInboundHandler {
        typealias InboundIn = TTRPCInboundFrame
        let continuation: AsyncStream<TTRPCInboundFrame>.Continuation
        init(_ continuation: AsyncStream<TTRPCInboundFrame>.Continuation) { self.continuation = continuation }
        func channelRead(context: ChannelHandlerContext, data: NIOAny) { continuation.yield(unwrapInboundIn(data)) }
        func channelInactive(context: ChannelHandlerContext) { continuation.finish() }
    }

    static func connect(_ path: String) async throws -> RawConnection {
        let (frames, continuation) = AsyncStream.makeStream(of: TTRPCInboundFrame.self)
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(TTRPCFrameDecoder()))
                    try channel.pipeline.syncOperations.addHandler(Collector(continuation))
                }
            }
            .connect(unixDomainSocketPath: path).get()
        return RawConnection(channel: channel, frames: frames)
    }

    /// A frame's bytes; `announcedLength` lets the header lie about (or pre-announce) the payload size.
    static func frameBytes(streamID: UInt32, type: UInt8, payload: [UInt8], announcedLength: Int? = nil) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt32(announcedLength ?? payload.count), endianness: .big)
        buffer.writeInteger(streamID, endianness: .big)
        buffer.writeInteger(type)
        buffer.writeInteger(UInt8(0))
        buffer.writeBytes(payload)
        return buffer
    }

    func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    func close() async {
        try? await channel.close().get()
    }
}
