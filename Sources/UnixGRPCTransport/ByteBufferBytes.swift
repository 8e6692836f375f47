import GRPCCore
import NIOCore

/// gRPC message bytes backed by a NIO ByteBuffer, so messages pass from the wire to the codec without a copy.
public struct ByteBufferBytes: GRPCContiguousBytes, Sendable, Hashable {
    var buffer: ByteBuffer

    init(_ buffer: ByteBuffer) {
        self.buffer = buffer
    }

    public init(repeating byte: UInt8, count: Int) {
        buffer = ByteBuffer(repeating: byte, count: count)
    }

    public init<Bytes: Sequence>(_ sequence: Bytes) where Bytes.Element == UInt8 {
        buffer = ByteBuffer(bytes: sequence)
    }

    public var count: Int { buffer.readableBytes }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeReadableBytes(body)
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}
