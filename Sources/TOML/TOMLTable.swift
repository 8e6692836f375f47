/// A TOML table that remembers the order in which keys first appeared,
/// because callers (e.g. hosts.toml mirror lists) depend on document order.
public struct TOMLTable: Sendable, Equatable {
    public private(set) var keys: [String] = []
    private var storage: [String: TOMLValue] = [:]

    public init() {}

    /// Parses a whole document.
    public init(parsing text: String) throws(TOMLParseError) {
        var parser = Parser(text)
        self = try parser.parseDocument()
    }

    public subscript(key: String) -> TOMLValue? {
        storage[key]
    }

    public var isEmpty: Bool { keys.isEmpty }

    /// Used by the parser only; the builder has already rejected duplicates.
    mutating func append(_ key: String, _ value: TOMLValue) {
        if storage.updateValue(value, forKey: key) == nil {
            keys.append(key)
        }
    }
}
