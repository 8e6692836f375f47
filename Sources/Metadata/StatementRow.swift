import BerthCore
import Foundation
import GRDB
import GRDBSQLite

/// The current result row of a SELECT, read in place. GRDB's `Row.fetchOne` and `Row.fetchAll` build a
/// lowercased column-name dictionary for every fetch and copy every row (about 10k instructions of a 350k
/// Content/Info call, and some 30 lookups per `ctr run --rm`); this reads the statement's columns directly.
struct StatementRow {
    let statement: Statement

    /// The value of the column spelled exactly `name`; a missing column or a value of another type is an
    /// error (a damaged database), not a crash.
    subscript<Value: DatabaseValueConvertible>(column name: String) -> Value {
        get throws {
            guard let index = statement.columnNames.firstIndex(of: name) else {
                throw BerthError(.unknown, "metadata database: no column \(name) in \(statement.sql)")
            }
            let value = DatabaseValue(sqliteStatement: statement.sqliteStatement, index: CInt(index))
            guard let converted = Value.fromDatabaseValue(value) else {
                throw BerthError(.unknown, "metadata database: column \(name) holds \(value), not \(Value.self)")
            }
            return converted
        }
    }

    func digest(_ column: String) throws -> Digest {
        let text: String = try self[column: column]
        do {
            return try Digest(parsing: text)
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt digest \"\(text)\" in column \(column)")
        }
    }

    func labels(_ column: String = "labels") throws -> [String: String] {
        try LabelCoding.decode(self[column: column])
    }

    func date(_ column: String) throws -> Date {
        Date(timeIntervalSince1970: try self[column: column])
    }
}

extension Database {
    /// Runs the cached statement `sql` and decodes each result row.
    func fetchAll<T>(_ sql: String, _ arguments: StatementArguments = [], _ decode: (StatementRow) throws -> T) throws -> [T] {
        var results: [T] = []
        try stepRows(sql, arguments) { row in
            results.append(try decode(row))
            return true
        }
        return results
    }

    /// Runs the cached statement `sql` and decodes its first result row, if any.
    func fetchOne<T>(_ sql: String, _ arguments: StatementArguments = [], _ decode: (StatementRow) throws -> T) throws -> T? {
        var result: T?
        try stepRows(sql, arguments) { row in
            result = try decode(row)
            return false
        }
        return result
    }

    /// Steps the statement (reset afterwards, whatever happens) while `body` asks for more rows.
    private func stepRows(_ sql: String, _ arguments: StatementArguments, _ body: (StatementRow) throws -> Bool) throws {
        let statement = try cachedStatement(sql: sql)
        try statement.setArguments(arguments)
        let handle = statement.sqliteStatement
        defer { sqlite3_reset(handle) }
        let row = StatementRow(statement: statement)
        while true {
            let code = sqlite3_step(handle)
            switch code {
            case SQLITE_ROW:
                guard try body(row) else { return }
            case SQLITE_DONE:
                return
            default:
                throw DatabaseError(resultCode: ResultCode(rawValue: code), message: lastErrorMessage, sql: sql)
            }
        }
    }
}
