import BerthAPI
import Foundation
import NIOCore

extension TTRPCServer {
    /// Runs one request in its own task (off the event loop) and writes its answer when done.
    func dispatch(streamID: UInt32, payload: ByteBuffer, channel: any Channel, connection: UInt64) {
        let id = inflight.begin(connection: connection)
        let task = Task {
            defer { self.inflight.end(id) }
            let result = await self.handle(payload, inflightID: id, eventLoop: channel.eventLoop)
            let frame = Self.responseFrame(streamID: streamID, result: result, allocator: channel.allocator)
            do {
                try await channel.writeAndFlush(frame)
            } catch {
                self.logger.debug(
                    "ttrpc: response not sent", metadata: ["stream": "\(streamID)", "error": "\(error)"])
            }
        }
        inflight.attach(id, task: task)
    }

    /// Decodes the ttrpc.Request, finds the method and runs it under the request's deadline.
    func handle(_ payload: ByteBuffer, inflightID: UInt64, eventLoop: any EventLoop) async -> Result<Data, TTRPCError> {
        let request: Ttrpc_Request
        do {
            request = try Ttrpc_Request(
                serializedBytes: payload.getBytes(at: payload.readerIndex, length: payload.readableBytes) ?? [])
        } catch {
            return .failure(
                TTRPCError(code: TTRPCError.Code.invalidArgument, message: "unmarshal request error: \(error)"))
        }
        guard let service = methods.withLock({ $0[request.service] }) else {
            return .failure(TTRPCError(code: TTRPCError.Code.unimplemented, message: "service \(request.service)"))
        }
        guard let method = service[request.method] else {
            return .failure(TTRPCError(code: TTRPCError.Code.unimplemented, message: "method \(request.method)"))
        }

        var context = TTRPCRequestContext(
            service: request.service, method: request.method, metadata: request.metadata.map { ($0.key, $0.value) })
        var timer: Scheduled<Void>?
        if request.timeoutNano != 0 {
            // As Go's context.WithTimeout: a zero or negative remainder means already expired.
            let nanoseconds = max(request.timeoutNano, 0)
            context.deadline = ContinuousClock.now.advanced(by: .nanoseconds(nanoseconds))
            let inflight = self.inflight
            timer = eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) { inflight.cancel(inflightID) }
        }
        defer { timer?.cancel() }

        do {
            return .success(try await method(request.payload, context))
        } catch {
            return .failure(Self.status(for: error, deadline: context.deadline))
        }
    }

    /// The status a handler's error travels as.
    static func status(for error: any Error, deadline: ContinuousClock.Instant?) -> TTRPCError {
        if let error = error as? any TTRPCStatusConvertible {
            return TTRPCError(code: error.ttrpcCode, message: error.ttrpcMessage)
        }
        if let deadline, ContinuousClock.now >= deadline, Task.isCancelled || error is CancellationError {
            return TTRPCError.deadlineExceeded
        }
        if error is CancellationError {
            return TTRPCError(code: TTRPCError.Code.canceled, message: "context canceled")
        }
        return TTRPCError(code: TTRPCError.Code.unknown, message: String(describing: error))
    }

    /// A response frame: the status (always present, as ttrpc-go sends it) and, when OK, the payload.
    static func responseFrame(
        streamID: UInt32, result: Result<Data, TTRPCError>, allocator: ByteBufferAllocator
    ) -> TTRPCFrame {
        var response = Ttrpc_Response()
        switch result {
        case .success(let payload):
            response.status = Google_Rpc_Status()
            response.payload = payload
        case .failure(let error):
            response.status.code = error.code
            response.status.message = error.message
        }
        var bytes: [UInt8] = (try? response.serializedBytes()) ?? []
        if bytes.count > TTRPCFrameHeader.maxPayloadLength {
            // The client would refuse it; tell it why instead.
            var refusal = Ttrpc_Response()
            let error = TTRPCError.messageTooLarge(bytes.count)
            refusal.status.code = error.code
            refusal.status.message = error.message
            bytes = (try? refusal.serializedBytes()) ?? []
        }
        return TTRPCFrame(streamID: streamID, type: .response, payload: allocator.buffer(bytes: bytes))
    }
}
