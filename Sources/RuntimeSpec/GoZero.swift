/// Go's zero value of a field type. encoding/json leaves it in a field whose key is absent or null, and
/// `omitempty` leaves the key out when the field holds it; the Codable code here does both, so a spec written by
/// containerd and one written here have the same keys.
protocol GoZero {
    static var goZero: Self { get }
    var isGoZero: Bool { get }
}

extension String: GoZero {
    static var goZero: String { "" }
    var isGoZero: Bool { isEmpty }
}

extension Bool: GoZero {
    static var goZero: Bool { false }
    var isGoZero: Bool { !self }
}

extension Array: GoZero {
    static var goZero: [Element] { [] }
    var isGoZero: Bool { isEmpty }
}

extension Dictionary: GoZero {
    static var goZero: [Key: Value] { [:] }
    var isGoZero: Bool { isEmpty }
}

extension UInt: GoZero {
    static var goZero: UInt { 0 }
    var isGoZero: Bool { self == 0 }
}

extension UInt32: GoZero {
    static var goZero: UInt32 { 0 }
    var isGoZero: Bool { self == 0 }
}

extension UInt64: GoZero {
    static var goZero: UInt64 { 0 }
    var isGoZero: Bool { self == 0 }
}

extension Int64: GoZero {
    static var goZero: Int64 { 0 }
    var isGoZero: Bool { self == 0 }
}
