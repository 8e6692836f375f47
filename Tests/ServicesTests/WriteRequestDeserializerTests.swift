import BerthAPI
import Foundation
import GRPCCore
import SwiftProtobuf
import Testing
import UnixGRPCTransport

@testable import Services

@Suite struct WriteRequestDeserializerTests {
    typealias Request = Containerd_Services_Content_V1_WriteContentRequest

    static func request(dataCount: Int = 100_000) -> Request {
        .with {
            $0.action = .write
            $0.ref = "layer-1"
            $0.offset = 4096
            $0.total = 1 << 20
            $0.expected = "sha256:" + String(repeating: "ab", count: 32)
            $0.data = Data((0..<dataCount).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) })
            $0.labels = ["containerd.io/gc.root": "x", "b": "2"]
        }
    }

    @Test func theDataFieldSharesTheReceivedBuffer() throws {
        let expected = Self.request()
        let wire = ByteBufferBytes(try expected.serializedBytes() as [UInt8])
        let decoded = try WriteRequestDeserializer().deserialize(wire)
        #expect(decoded == expected)
        let wireRange = wire.withUnsafeBytes { UInt(bitPattern: $0.baseAddress)..<UInt(bitPattern: $0.baseAddress! + $0.count) }
        let dataStart = decoded.data.withUnsafeBytes { UInt(bitPattern: $0.baseAddress) }
        #expect(wireRange.contains(dataStart), "the data was copied instead of shared")
    }

    @Test func sharedDataOutlivesTheBytesItCameFrom() throws {
        let expected = Self.request(dataCount: 3000)
        var decoded: Request?
        do {
            let wire = ByteBufferBytes(try expected.serializedBytes() as [UInt8])
            decoded = try WriteRequestDeserializer().deserialize(wire)
        }
        let bytes = try #require(decoded).data
        #expect(bytes == expected.data)
    }

    enum OffTheFastPath: CaseIterable, Sendable {
        case noData, emptyMessage, dataTwiceTheLastWins, unknownFieldKept, fixedWidthUnknownFields

        func bytes() throws -> [UInt8] {
            switch self {
            case .noData: try Request.with { $0.action = .stat; $0.ref = "r" }.serializedBytes()
            case .emptyMessage: []
            case .dataTwiceTheLastWins:
                try request(dataCount: 10).serializedBytes() + Request.with { $0.data = Data([1, 2, 3]) }.serializedBytes()
            case .unknownFieldKept: try request(dataCount: 10).serializedBytes() + [0x78, 0x2a]
            case .fixedWidthUnknownFields:
                [0x79] + [UInt8](repeating: 1, count: 8) + [0x7d, 1, 2, 3, 4] + (try request(dataCount: 5).serializedBytes())
            }
        }
    }

    /// Messages off the fast path decode exactly as SwiftProtobuf decodes them.
    @Test(arguments: OffTheFastPath.allCases)
    func decodesAsSwiftProtobufDoes(_ input: OffTheFastPath) throws {
        let serialized = try input.bytes()
        let expected = try Request(serializedBytes: serialized)
        #expect(try WriteRequestDeserializer().deserialize(ByteBufferBytes(serialized)) == expected)
        #expect(try WriteRequestDeserializer().deserialize(serialized) == expected, "as [UInt8]")
    }

    @Test(arguments: [
        [0x32, 0x05, 1, 2] as [UInt8],  // data shorter than its length
        [0x32],  // data without its length
        [0x08, 0xff],  // truncated varint
        [0x0b, 0x00],  // a group
    ])
    func malformedMessagesAreRejected(_ bytes: [UInt8]) {
        #expect(throws: RPCError.self) { try WriteRequestDeserializer().deserialize(ByteBufferBytes(bytes)) }
    }
}

@Suite struct ProtobufFieldScanTests {
    @Test func findsEveryFieldWithItsPayload() throws {
        // action = 1 (varint), ref = "ab", a fixed64, a fixed32, data = [9, 9, 9].
        let bytes: [UInt8] = [0x08, 0x01, 0x12, 0x02, 0x61, 0x62, 0x19, 1, 2, 3, 4, 5, 6, 7, 8, 0x25, 1, 2, 3, 4, 0x32, 0x03, 9, 9, 9]
        let fields = try #require(bytes.withUnsafeBytes { ProtobufFieldScan.fields(in: $0) })
        #expect(fields.map(\.number) == [1, 2, 3, 4, 6])
        #expect(fields.map(\.range) == [0..<2, 2..<6, 6..<15, 15..<20, 20..<25])
        #expect(fields.map(\.payload) == [1..<2, 4..<6, 7..<15, 16..<20, 22..<25])
    }

    @Test func aLongVarintKeyAndLengthAreRead() throws {
        // Field 6 with a two-byte length of 200.
        let bytes: [UInt8] = [0x32, 0xc8, 0x01] + [UInt8](repeating: 7, count: 200)
        let fields = try #require(bytes.withUnsafeBytes { ProtobufFieldScan.fields(in: $0) })
        #expect(fields == [.init(number: 6, wireType: .lengthDelimited, range: 0..<203, payload: 3..<203)])
    }

    @Test(arguments: [
        [0x08] as [UInt8],  // a key without its value
        [0x00, 0x01],  // field number 0
        [0x0b],  // start of a group
        [0x0e],  // wire type 6
        [0x19, 1, 2, 3],  // fixed64 cut short
        [0x12, 0xff, 0xff, 0xff, 0xff, 0x0f],  // a length far past the end
        [0x08] + [UInt8](repeating: 0xff, count: 11),  // a varint longer than ten bytes
    ])
    func malformedBytesAreNotFields(_ bytes: [UInt8]) {
        #expect(bytes.withUnsafeBytes { ProtobufFieldScan.fields(in: $0) } == nil)
    }
}
