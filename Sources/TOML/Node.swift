/// Mutable table used while parsing. It records how each table came to exist,
/// because TOML's redefinition rules depend on that history.
final class Node {
    enum Kind {
        /// Created as an intermediate of a `[a.b.c]` header; may still be defined later.
        case implicit
        /// Created by a dotted key (or an inline table's contents).
        case dotted
        /// Defined by its own `[header]` / `[[header]]`, or the root.
        case explicit
    }

    enum Entry {
        /// Frozen: plain values, static arrays and inline tables cannot be extended.
        case value(TOMLValue)
        case table(Node)
        case tableArray(TableArray)
    }

    final class TableArray {
        var items: [Node]
        init(_ first: Node) { items = [first] }
    }

    var kind: Kind
    let depth: Int
    var keys: [String] = []
    var entries: [String: Entry] = [:]

    init(kind: Kind, depth: Int) {
        self.kind = kind
        self.depth = depth
    }

    func add(_ key: String, _ entry: Entry) {
        if entries.updateValue(entry, forKey: key) == nil { keys.append(key) }
    }

    func child(kind: Kind, parser: Parser, at offset: Int) throws(TOMLParseError) -> Node {
        guard depth + 1 <= Parser.maxDepth else {
            throw parser.error("tables nested deeper than \(Parser.maxDepth) levels", at: offset)
        }
        return Node(kind: kind, depth: depth + 1)
    }

    /// Resolves a `[header]` or `[[header]]` starting at this (root) node and returns the new current table.
    func openHeader(_ key: [KeyPart], isArray: Bool, parser: Parser, at start: Int) throws(TOMLParseError) -> Node {
        guard let last = key.last else { throw parser.error("empty table header", at: start) }
        var node = self
        for part in key.dropLast() {
            switch node.entries[part.name] {
            case nil:
                let c = try node.child(kind: .implicit, parser: parser, at: part.offset)
                node.add(part.name, .table(c))
                node = c
            case .table(let t):
                node = t
            case .tableArray(let a):
                guard let lastItem = a.items.last else { throw parser.error("empty array of tables", at: part.offset) }
                node = lastItem
            case .value(let v):
                throw parser.error("cannot extend \(v.typeName) '\(part.name)' with a table header", at: part.offset)
            }
        }
        switch node.entries[last.name] {
        case nil:
            let c = try node.child(kind: .explicit, parser: parser, at: last.offset)
            node.add(last.name, isArray ? .tableArray(TableArray(c)) : .table(c))
            return c
        case .tableArray(let a) where isArray:
            let c = try node.child(kind: .explicit, parser: parser, at: last.offset)
            a.items.append(c)
            return c
        case .table(let t) where !isArray && t.kind == .implicit && t.onlyHoldsTables:
            t.kind = .explicit
            return t
        case .table:
            throw parser.error("table '\(last.name)' is already defined", at: start)
        case .tableArray:
            throw parser.error("'\(last.name)' is already an array of tables", at: start)
        case .value(let v):
            throw parser.error("cannot redefine \(v.typeName) '\(last.name)' as a table", at: start)
        }
    }

    /// An implicit table may be promoted by a header only if no key/value pair went into it yet.
    var onlyHoldsTables: Bool {
        entries.values.allSatisfy {
            if case .value = $0 { return false }
            return true
        }
    }

    /// Walks/creates the tables for the dotted prefix of `key` and returns the one that gets the value.
    func openDotted(_ key: [KeyPart], parser: Parser) throws(TOMLParseError) -> Node {
        var node = self
        for part in key.dropLast() {
            switch node.entries[part.name] {
            case nil:
                let c = try node.child(kind: .dotted, parser: parser, at: part.offset)
                node.add(part.name, .table(c))
                node = c
            case .table(let t) where t.kind != .explicit:
                node = t
            case .table:
                throw parser.error("cannot add to table '\(part.name)' with a dotted key: it has its own header", at: part.offset)
            case .tableArray:
                throw parser.error("cannot extend array of tables '\(part.name)' with a dotted key", at: part.offset)
            case .value(let v):
                throw parser.error("cannot extend \(v.typeName) '\(part.name)' with a dotted key", at: part.offset)
            }
        }
        return node
    }

    func insert(_ key: KeyPart, _ value: TOMLValue, parser: Parser) throws(TOMLParseError) {
        if entries[key.name] != nil { throw parser.error("duplicate key '\(key.name)'", at: key.offset) }
        add(key.name, .value(value))
    }

    /// Converts to the public value type; depth is bounded by `Parser.maxDepth`.
    func freeze() -> TOMLTable {
        var table = TOMLTable()
        for key in keys {
            switch entries[key] {
            case .value(let v): table.append(key, v)
            case .table(let t): table.append(key, .table(t.freeze()))
            case .tableArray(let a): table.append(key, .array(a.items.map { .table($0.freeze()) }))
            case nil: break
            }
        }
        return table
    }
}
