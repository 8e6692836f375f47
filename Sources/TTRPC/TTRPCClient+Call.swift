import BerthAPI
import Foundation
import NIOCore
import SwiftProtobuf

extension TTRPCClient {
    /// One unary call: `service` is the full protobuf service name (e.g. `containerd.task.v2.Task`).
    ///
    /// Throws TTRPCError for a non-OK status from the server, Unavailable when the connection closes,
    /// DeadlineExceeded when `timeout` passes (the server is told the timeout too), and CancellationError
    /// when the calling task is cancelled (ttrpc has no cancel message: the server carries on).
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String, request: Request, responseType: Response.Type = Response.self,
        metadata: [(String, String)] = [], timeout: Duration? = nil
    ) async throws -> Response {
        var envelope = Ttrpc_Request()
        envelope.service = service
        envelope.method = method
        envelope.payload = try request.serializedBytes()
        envelope.metadata = metadata.map { key, value in
            var pair = Ttrpc_KeyValue()
            pair.key = key
            pair.value = value
            return pair
        }
        let timeoutNanoseconds = timeout?.ttrpcNanoseconds
        if let timeoutNanoseconds {
            // Go's client does not send a call whose context has already expired.
            guard timeoutNanoseconds > 0 else { throw TTRPCError.deadlineExceeded }
            envelope.timeoutNano = timeoutNanoseconds
        }
        let bytes: [UInt8] = try envelope.serializedBytes()
        guard bytes.count <= TTRPCFrameHeader.maxPayloadLength else { throw TTRPCError.messageTooLarge(bytes.count) }
        let frame = TTRPCFrame(streamID: 0, type: .request, payload: channel.allocator.buffer(bytes: bytes))

        let answer = try await exchange(frame, timeoutNanoseconds: timeoutNanoseconds)
        return try Self.decode(answer, as: Response.self)
    }

    /// Sends the request frame on a new stream and waits for the answer's payload.
    func exchange(_ request: TTRPCFrame, timeoutNanoseconds: Int64?) async throws -> ByteBuffer {
        let id = try calls.reserve()
        let calls = self.calls
        let channel = self.channel
        let timer = timeoutNanoseconds.map { nanoseconds in
            channel.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
                calls.fail(id, with: TTRPCError.deadlineExceeded)
            }
        }
        defer { timer?.cancel() }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer, any Error>) in
                guard calls.wait(id, continuation) else { return }
                var frame = request
                frame.streamID = id
                channel.writeAndFlush(frame).whenFailure { error in
                    calls.fail(id, with: Self.sendError(error))
                }
            }
        } onCancel: {
            calls.fail(id, with: CancellationError())
        }
    }

    static func sendError(_ error: any Error) -> any Error {
        if error is TTRPCError { return error }
        if let channelError = error as? ChannelError,
            channelError == .ioOnClosedChannel || channelError == .alreadyClosed || channelError == .eof
        {
            return TTRPCError.closed
        }
        // A failed write on a unix socket means the peer is gone (EPIPE), as Go's filterCloseErr assumes.
        if error is IOError { return TTRPCError.closed }
        return TTRPCError(code: TTRPCError.Code.unknown, message: "ttrpc: send failed: \(error)")
    }

    /// Unpacks a ttrpc.Response: a non-OK status throws, otherwise the payload is the response message.
    static func decode<Response: SwiftProtobuf.Message>(_ buffer: ByteBuffer, as: Response.Type) throws -> Response {
        let envelope: Ttrpc_Response
        do {
            let bytes = buffer.getBytes(at: buffer.readerIndex, length: buffer.readableBytes) ?? []
            envelope = try Ttrpc_Response(serializedBytes: bytes)
        } catch {
            throw TTRPCError(code: TTRPCError.Code.internal, message: "ttrpc: failed to unmarshal response: \(error)")
        }
        if envelope.hasStatus, envelope.status.code != TTRPCError.Code.ok {
            throw TTRPCError(code: envelope.status.code, message: envelope.status.message)
        }
        do {
            return try Response(serializedBytes: envelope.payload)
        } catch {
            throw TTRPCError(
                code: TTRPCError.Code.internal, message: "ttrpc: failed to unmarshal response payload: \(error)")
        }
    }
}
