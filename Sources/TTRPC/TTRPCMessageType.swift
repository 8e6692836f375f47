/// The message type byte of a ttrpc frame header.
///
/// A struct rather than an enum so that frames of types this side does not know (ttrpc's streaming
/// additions) still decode and can be ignored, as ttrpc-go does for forward compatibility.
struct TTRPCMessageType: RawRepresentable, Hashable, Sendable {
    var rawValue: UInt8

    init(rawValue: UInt8) { self.rawValue = rawValue }

    static let request = TTRPCMessageType(rawValue: 1)
    static let response = TTRPCMessageType(rawValue: 2)
    static let data = TTRPCMessageType(rawValue: 3)
}
