import TOML

/// Parses or returns the error, so tests can assert on either side.
func parse(_ text: String) -> Result<TOMLTable, TOMLParseError> {
    do {
        return .success(try TOMLTable(parsing: text))
    } catch {
        return .failure(error)
    }
}

func fails(_ text: String) -> Bool {
    if case .failure = parse(text) { return true }
    return false
}

func value(_ text: String, _ key: String = "v") -> TOMLValue? {
    guard case .success(let t) = parse(text) else { return nil }
    return t[key]
}

func error(_ text: String) -> TOMLParseError? {
    if case .failure(let e) = parse(text) { return e }
    return nil
}

extension TOMLTable {
    /// Follows a path of table keys, for concise assertions.
    func at(_ path: String...) -> TOMLValue? {
        var node: TOMLValue = .table(self)
        for key in path {
            guard let next = node.table?[key] else { return nil }
            node = next
        }
        return node
    }
}
