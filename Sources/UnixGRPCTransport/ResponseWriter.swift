import GRPCCore
import NIOCore
import NIOHPACK
import NIOHTTP2
import Synchronization

/// Writes one RPC's response onto its HTTP/2 stream: headers once, length-prefixed messages, then the
/// status as trailers (or a trailers-only response when nothing else was sent).
final class ResponseWriter: ClosableRPCWriterProtocol, Sendable {
    typealias Element = RPCResponsePart<ByteBufferBytes>

    private struct State {
        var headersSent = false
        var statusSent = false
    }

    private let stream: GRPCStream
    private let state = Mutex(State())

    init(stream: GRPCStream) {
        self.stream = stream
    }

    func write(_ element: Element) async throws {
        switch element {
        case .metadata(let metadata):
            var headers = HeaderCoding.responseHead()
            HeaderCoding.append(metadata, to: &headers)
            state.withLock { $0.headersSent = true }
            try await stream.write(.headers(.init(headers: headers)), last: false)
        case .message(let bytes):
            let needsHeaders = state.withLock { state in
                defer { state.headersSent = true }
                return !state.headersSent
            }
            if needsHeaders { try await stream.write(.headers(.init(headers: HeaderCoding.responseHead())), last: false) }
            var frame = ByteBuffer()
            frame.reserveCapacity(5 + bytes.count)
            frame.writeInteger(UInt8(0))
            frame.writeInteger(UInt32(bytes.count))
            var payload = bytes.buffer
            frame.writeBuffer(&payload)
            try await stream.write(.data(.init(data: .byteBuffer(frame))), last: false)
        case .status(let status, let metadata):
            let trailersOnly = state.withLock { state in
                defer { state.headersSent = true; state.statusSent = true }
                return !state.headersSent
            }
            let trailers = HeaderCoding.trailers(status, metadata, trailersOnly: trailersOnly)
            try await stream.write(.headers(.init(headers: trailers, endStream: true)), last: true)
        }
    }

    func write(contentsOf elements: some Sequence<Element>) async throws {
        for element in elements { try await write(element) }
    }

    func finish() async {
        await finishWithoutStatus(Status(code: .ok, message: ""))
    }

    func finish(throwing error: any Error) async {
        let status = (error as? RPCError).map { Status(code: Status.Code($0.code), message: $0.message) }
            ?? Status(code: .unknown, message: "\(error)")
        await finishWithoutStatus(status)
    }

    /// The server always writes a status before finishing; if it did not, the stream still needs trailers.
    private func finishWithoutStatus(_ status: Status) async {
        if !state.withLock({ $0.statusSent }) { try? await write(.status(status, [:])) }
    }
}
