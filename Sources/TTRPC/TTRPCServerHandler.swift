import NIOCore

/// The server end of one connection: each request is answered from its own task, so slow handlers
/// do not hold up others and responses may go out in any order.
final class TTRPCServerHandler: ChannelInboundHandler {
    typealias InboundIn = TTRPCInboundFrame
    typealias OutboundOut = TTRPCFrame

    let server: TTRPCServer
    let connection: UInt64

    init(server: TTRPCServer, connection: UInt64) {
        self.server = server
        self.connection = connection
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .oversized(let header):
            guard header.type == .request else { return }
            respond(context, header.streamID, TTRPCError.messageTooLarge(Int(header.payloadLength)))
        case .frame(let frame):
            // Other message types are ignored for forward compatibility, as ttrpc-go does.
            guard frame.type == .request else { return }
            guard frame.streamID % 2 == 1 else {
                let error = TTRPCError(
                    code: TTRPCError.Code.invalidArgument,
                    message: "StreamID must be odd for client initiated streams")
                respond(context, frame.streamID, error)
                return
            }
            server.dispatch(
                streamID: frame.streamID, payload: frame.payload, channel: context.channel, connection: connection)
        }
    }

    /// Answers a bad frame right here, on its own stream id, so the client can tell which call it was.
    private func respond(_ context: ChannelHandlerContext, _ streamID: UInt32, _ error: TTRPCError) {
        let frame = TTRPCServer.responseFrame(
            streamID: streamID, result: .failure(error), allocator: context.channel.allocator)
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        server.inflight.cancel(connection: connection)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        server.logger.debug("ttrpc: closing connection after error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }
}
