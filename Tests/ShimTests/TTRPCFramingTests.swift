import Testing
@testable import Shim

@Suite struct TTRPCFramingTests {
    @Test func encodesTheTenByteHeaderBigEndian() {
        let bytes = TTRPCFraming.encode(.init(streamID: 3, type: 1, payload: [0xAA, 0xBB]))
        #expect(bytes == [0, 0, 0, 2, 0, 0, 0, 3, 1, 0, 0xAA, 0xBB])
    }

    @Test func decodesWhatItEncodesAndWaitsForMore() {
        let frame = TTRPCFraming.Frame(streamID: 7, type: 2, payload: Array(repeating: 9, count: 300))
        let bytes = TTRPCFraming.encode(frame) + [1, 2, 3]
        #expect(TTRPCFraming.decode(bytes[...]) == .frame(frame, consumed: 310))
        #expect(TTRPCFraming.decode(bytes[0..<309]) == .needMore)
        #expect(TTRPCFraming.decode(bytes[0..<4]) == .needMore)
        // A slice that does not start at index 0 (what the connection's parser hands in).
        #expect(TTRPCFraming.decode(([0xFF] + bytes)[1...]) == .frame(frame, consumed: 310))
    }

    @Test func refusesPayloadsOverFourMebibytes() {
        let header: [UInt8] = [0x00, 0x40, 0x00, 0x01, 0, 0, 0, 5, 1, 0]
        #expect(TTRPCFraming.decode(header[...]) == .oversized(streamID: 5, length: (4 << 20) + 1))
    }
}
