import GRPCCore
import NIOCore

/// Splits a request body into gRPC length-prefixed messages (1 byte compressed flag, 4 bytes length).
struct MessageDeframer {
    let maxPayloadSize: Int
    private var pending = ByteBuffer()

    init(maxPayloadSize: Int) {
        self.maxPayloadSize = maxPayloadSize
    }

    mutating func append(_ bytes: ByteBuffer) {
        if pending.readableBytes == 0 {
            pending = bytes
            return
        }
        // Room for the rest of the message at once: a megabyte in 16 KiB frames (Go clients) is then copied
        // once, not again at every doubling of the buffer.
        if let length = pending.getInteger(at: pending.readerIndex + 1, as: UInt32.self), Int(length) <= maxPayloadSize {
            let missing = 5 + Int(length) - pending.readableBytes
            if missing > bytes.readableBytes { pending.reserveCapacity(minimumWritableBytes: missing) }
        }
        var bytes = bytes
        pending.writeBuffer(&bytes)
    }

    /// The next whole message, or nil until more bytes arrive.
    mutating func next() throws -> ByteBuffer? {
        guard let flag = pending.getInteger(at: pending.readerIndex, as: UInt8.self),
              let length = pending.getInteger(at: pending.readerIndex + 1, as: UInt32.self)
        else { return nil }
        guard flag == 0 else {
            throw RPCError(code: .unimplemented, message: "compressed messages are not supported")
        }
        guard Int(length) <= maxPayloadSize else {
            throw RPCError(code: .resourceExhausted, message: "message of \(length) bytes exceeds the limit of \(maxPayloadSize) bytes")
        }
        guard pending.readableBytes >= 5 + Int(length) else { return nil }
        pending.moveReaderIndex(forwardBy: 5)
        return pending.readSlice(length: Int(length))
    }

    /// At the end of the body no partial message may remain.
    func finish() throws {
        if pending.readableBytes > 0 {
            throw RPCError(code: .internalError, message: "request ended inside a message")
        }
    }
}
