/// A TOML value.
public indirect enum TOMLValue: Sendable, Equatable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    /// An offset date-time, local date-time, local date or local time, validated and kept as written.
    case dateTime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    public var string: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// Only from `.integer`; nil if the value does not fit `Int` on this platform.
    public var int: Int? {
        if case .integer(let i) = self { return Int(exactly: i) }
        return nil
    }

    public var double: Double? {
        if case .float(let d) = self { return d }
        return nil
    }

    public var bool: Bool? {
        if case .boolean(let b) = self { return b }
        return nil
    }

    public var array: [TOMLValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var table: TOMLTable? {
        if case .table(let t) = self { return t }
        return nil
    }

    /// "string", "integer", "float", "boolean", "datetime", "array" or "table": for error messages.
    public var typeName: String {
        switch self {
        case .string: return "string"
        case .integer: return "integer"
        case .float: return "float"
        case .boolean: return "boolean"
        case .dateTime: return "datetime"
        case .array: return "array"
        case .table: return "table"
        }
    }
}
