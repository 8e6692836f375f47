import Foundation
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

    /// The bytes in `range` (of the readable bytes) as Data that shares this buffer's memory instead of copying
    /// it, and keeps the buffer alive. The Data must stay read-only: writing through it would change memory
    /// other views of the buffer may share.
    public func sharedData(_ range: Range<Int>) -> Data {
        precondition(range.lowerBound >= 0 && range.upperBound <= count, "range outside the readable bytes")
        guard !range.isEmpty else { return Data() }
        return buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return Data() }
            let retained = buffer
            return Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base + range.lowerBound), count: range.count,
                deallocator: .custom { _, _ in withExtendedLifetime(retained) {} })
        }
    }

    public mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try buffer.withUnsafeMutableReadableBytes(body)
    }
}
