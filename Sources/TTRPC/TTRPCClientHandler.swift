import NIOCore

/// The client end of a connection: hands each response to the call waiting on its stream id.
final class TTRPCClientHandler: ChannelInboundHandler {
    typealias InboundIn = TTRPCInboundFrame

    let calls: TTRPCClientCalls

    init(calls: TTRPCClientCalls) { self.calls = calls }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .frame(let frame):
            // Other types (streaming data) are not used by unary calls; ignored for compatibility.
            guard frame.type == .response else { return }
            calls.complete(frame.streamID, with: frame.payload)
        case .oversized(let header):
            // As ttrpc-go: the status goes to that stream's caller, the connection lives on.
            calls.fail(header.streamID, with: TTRPCError.messageTooLarge(Int(header.payloadLength)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        calls.close()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // A read error poisons the stream of frames: close, which fails every call with "ttrpc: closed".
        context.close(promise: nil)
    }
}
