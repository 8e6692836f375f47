import BerthCore
import TOMLKit

/// Typed reads of a parsed TOML file, with errors that name the key and the type found.
/// Every key is optional: a missing key reads as nil; a key of the wrong type is an error.
struct ConfigFile {
    let table: TOMLTable
    let source: String

    init(_ table: TOMLTable, source: String) {
        self.table = table
        self.source = source
    }

    func string(_ path: String...) throws -> String? {
        guard let value = try value(path) else { return nil }
        guard let string = value.string else { throw mismatch(path, expected: "a string", found: value) }
        return string
    }

    func int(_ path: String...) throws -> Int? {
        guard let value = try value(path) else { return nil }
        guard let int = value.int else { throw mismatch(path, expected: "an integer", found: value) }
        return int
    }

    func id(_ value: Int, _ key: String) throws -> UInt32 {
        guard let id = UInt32(exactly: value) else {
            throw BerthError.invalidArgument("\(source): key \(key): \(value) is not a valid uid or gid")
        }
        return id
    }

    private func value(_ path: [String]) throws -> (any TOMLValueConvertible)? {
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

    private func mismatch(_ path: [String], expected: String, found: any TOMLValueConvertible) -> BerthError {
        .invalidArgument("\(source): key \(path.joined(separator: ".")): expected \(expected), found \(found.type)")
    }
}
