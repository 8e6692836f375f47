import BerthCore
import TOML

/// Typed reads of a parsed TOML file, with errors that name the key and the type found.
/// Every key is optional: a missing key reads as nil; a key of the wrong type is an error.
struct ConfigFile {
    let table: TOMLTable
    let source: String

    init(_ table: TOMLTable, source: String) {
        self.table = table
        self.source = source
    }

    func string(_ path: String...) throws -> String? { try string(path) }

    func string(_ path: [String]) throws -> String? {
        guard let value = try value(path) else { return nil }
        guard let string = value.string else { throw mismatch(path, expected: "a string", found: value) }
        return string
    }

    func int(_ path: String...) throws -> Int? {
        guard let value = try value(path) else { return nil }
        guard let int = value.int else { throw mismatch(path, expected: "an integer", found: value) }
        return int
    }

    func double(_ path: [String]) throws -> Double? {
        guard let value = try value(path) else { return nil }
        guard let double = value.double ?? value.int.map(Double.init) else {
            throw mismatch(path, expected: "a number", found: value)
        }
        return double
    }

    /// Every key path in the file that `isKnown` does not accept, descending only into tables that hold known keys.
    func unknownKeys(isKnown: ([String]) -> Bool, isKnownTable: ([String]) -> Bool) -> [[String]] {
        var unknown: [[String]] = []
        func walk(_ table: TOMLTable, _ prefix: [String]) {
            for key in table.keys.sorted() {
                let path = prefix + [key]
                if isKnown(path) { continue }
                if let inner = table[key]?.table, isKnownTable(path) {
                    walk(inner, path)
                } else {
                    unknown.append(path)
                }
            }
        }
        walk(table, [])
        return unknown
    }

    /// A key path as TOML writes it: components that are not bare keys are quoted.
    static func display(_ path: [String]) -> String {
        path.map { component in
            component.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }
                ? component : "\"" + component + "\""
        }.joined(separator: ".")
    }

    func id(_ value: Int, _ key: String) throws -> UInt32 {
        guard let id = UInt32(exactly: value) else {
            throw BerthError.invalidArgument("\(source): key \(key): \(value) is not a valid uid or gid")
        }
        return id
    }

    private func value(_ path: [String]) throws -> TOMLValue? {
        var table = self.table
        for (index, key) in path.enumerated() {
            guard let value = table[key] else { return nil }
            if index == path.count - 1 { return value }
            guard let inner = value.table else {
                throw mismatch(Array(path[...index]), expected: "a table", found: value)
            }
            table = inner
        }
        return nil
    }

    private func mismatch(_ path: [String], expected: String, found: TOMLValue) -> BerthError {
        .invalidArgument("\(source): key \(Self.display(path)): expected \(expected), found \(found.typeName)")
    }
}
