extension KeyedDecodingContainer {
    /// A field as Go decodes it: an absent or null key leaves the zero value instead of failing.
    func goValue<T: Decodable & GoZero>(_ key: Key) throws -> T {
        try decodeIfPresent(T.self, forKey: key) ?? .goZero
    }
}

extension KeyedEncodingContainer {
    /// A field tagged `omitempty`: false, 0, "" and empty slices and maps are left out.
    mutating func encodeOmitEmpty<T: Encodable & GoZero>(_ value: T, forKey key: Key) throws {
        if !value.isGoZero { try encode(value, forKey: key) }
    }
}

extension Decoder {
    /// The keys of this object that `Keys` does not model, kept so that a decode/encode round trip
    /// (newer runtime-spec fields, other platforms' sections) loses nothing.
    func unknownFields<Keys: CodingKey & CaseIterable>(besides keys: Keys.Type) throws -> [String: JSONValue] {
        let container = try self.container(keyedBy: AnyCodingKey.self)
        let known = Set(Keys.allCases.map(\.stringValue))
        var fields: [String: JSONValue] = [:]
        for key in container.allKeys where !known.contains(key.stringValue) {
            fields[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
        }
        return fields
    }
}

extension Encoder {
    /// Writes the unknown fields after the modelled ones, sorted; a key the type models wins over a stale copy.
    func encodeUnknownFields<Keys: CodingKey & CaseIterable>(_ fields: [String: JSONValue], besides keys: Keys.Type) throws {
        guard !fields.isEmpty else { return }
        let known = Set(Keys.allCases.map(\.stringValue))
        var container = self.container(keyedBy: AnyCodingKey.self)
        for (key, value) in fields.sorted(by: { $0.key < $1.key }) where !known.contains(key) {
            try container.encode(value, forKey: AnyCodingKey(key))
        }
    }
}
