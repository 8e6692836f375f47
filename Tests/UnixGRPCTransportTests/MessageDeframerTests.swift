import GRPCCore
import NIOCore
import Testing

@testable import UnixGRPCTransport

@Suite struct MessageDeframerTests {
    static func framed(_ payloads: [[UInt8]]) -> [UInt8] {
        payloads.flatMap { payload in
            [0] + withUnsafeBytes(of: UInt32(payload.count).bigEndian) { Array($0) } + payload
        }
    }

    static func messages(_ wire: [UInt8], in pieceSize: Int, limit: Int = 1 << 20) throws -> [[UInt8]] {
        var deframer = MessageDeframer(maxPayloadSize: limit)
        var found: [[UInt8]] = []
        for start in stride(from: 0, to: wire.count, by: pieceSize) {
            deframer.append(ByteBuffer(bytes: wire[start..<min(start + pieceSize, wire.count)]))
            while let message = try deframer.next() { found.append(Array(buffer: message)) }
        }
        try deframer.finish()
        return found
    }

    /// Go clients send 16 KiB frames: a large message arrives in many pieces, its header possibly split too.
    @Test(arguments: [1, 2, 3, 7, 16_384, 1 << 20])
    func messagesAreReassembledFromPiecesOfAnySize(_ pieceSize: Int) throws {
        let payloads = [
            (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) }, [], [42], (0..<70_000).map { UInt8(truncatingIfNeeded: $0) },
        ]
        #expect(try Self.messages(Self.framed(payloads), in: pieceSize) == payloads)
    }

    @Test func aMessageOverTheLimitIsRefusedBeforeItArrives() {
        let header = Self.framed([[UInt8](repeating: 1, count: 10)]).prefix(5)
        #expect(throws: RPCError.self) { _ = try Self.messages(Array(header) + [1, 2], in: 1, limit: 9) }
    }

    @Test func aBodyEndingInsideAMessageIsAnError() {
        let wire = Self.framed([[UInt8](repeating: 1, count: 10)]).dropLast()
        #expect(throws: RPCError.self) { _ = try Self.messages(Array(wire), in: 4) }
    }
}
