import BerthCore
import Foundation
import GRDB
import Testing

@testable import Metadata

/// Rows read in place from a cached statement: the same values GRDB's `Row` gives, each fetch starting from a
/// reset statement, and a damaged database reported as an error rather than a crash.
@Suite struct StatementRowTests {
    let queue: DatabaseQueue

    init() throws {
        queue = try DatabaseQueue()
        try queue.write { db in
            try db.execute(sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL, note TEXT, size INTEGER, at REAL, data BLOB)")
            for id in 1...5 {
                let note: String? = id.isMultiple(of: 2) ? nil : "odd \(id)"
                let data: Data? = id == 1 ? nil : Data([UInt8(id)])
                let arguments: StatementArguments = [id, "n\(id)", note, Int64(id) << 40, Double(id) / 4, data]
                try db.execute(sql: "INSERT INTO t (id, name, note, size, at, data) VALUES (?, ?, ?, ?, ?, ?)", arguments: arguments)
            }
        }
    }

    struct Item: Equatable {
        var id: Int64, name: String, note: String?, size: Int64, at: Double, data: [UInt8]?
    }

    static func item(_ row: StatementRow) throws -> Item {
        try Item(id: row[column: "id"], name: row[column: "name"], note: row[column: "note"], size: row[column: "size"],
                 at: row[column: "at"], data: (row[column: "data"] as Data?).map { Array($0) })
    }

    static func item(_ row: Row) -> Item {
        Item(id: row["id"], name: row["name"], note: row["note"], size: row["size"], at: row["at"], data: (row["data"] as Data?).map { Array($0) })
    }

    @Test func readsWhatGRDBReads() throws {
        try queue.read { db throws in
            let ours = try db.fetchAll("SELECT * FROM t ORDER BY id", [], Self.item)
            let theirs = try Row.fetchAll(db, sql: "SELECT * FROM t ORDER BY id").map(Self.item)
            #expect(ours.count == 5)
            #expect(ours == theirs)
            #expect(ours[1].note == nil && ours[0].data == nil)
        }
    }

    @Test func eachFetchStartsFromAResetStatement() throws {
        try queue.read { db throws in
            // fetchOne stops after the first row; the cached statement must not go on from there next time.
            for _ in 0..<3 {
                #expect(try db.fetchOne("SELECT * FROM t WHERE id >= ? ORDER BY id", [2], Self.item)?.id == 2)
            }
            #expect(try db.fetchAll("SELECT * FROM t WHERE id >= ? ORDER BY id", [2], Self.item).map(\.id) == [2, 3, 4, 5])
            #expect(try db.fetchOne("SELECT * FROM t WHERE id = ?", [9], Self.item) == nil)
            // A decoder that throws mid-way leaves the statement usable too.
            #expect(throws: BerthError.self) {
                _ = try db.fetchAll("SELECT * FROM t ORDER BY id", []) { row -> String in
                    let id: Int64 = try row[column: "id"]
                    if id == 3 { throw BerthError(.unknown, "stop") }
                    return try row[column: "name"]
                }
            }
            #expect(try db.fetchAll("SELECT * FROM t ORDER BY id", [], Self.item).count == 5)
        }
    }

    @Test func missingColumnsAndWrongTypesAreErrors() throws {
        try queue.read { db throws in
            #expect(throws: BerthError(.unknown, "metadata database: no column missing in SELECT id FROM t")) {
                _ = try db.fetchOne("SELECT id FROM t", []) { row -> Int64 in try row[column: "missing"] }
            }
            // Names match exactly, as the decoders spell them.
            #expect(throws: BerthError.self) {
                _ = try db.fetchOne("SELECT id FROM t", []) { row -> Int64 in try row[column: "ID"] }
            }
            #expect(throws: BerthError.self) {
                _ = try db.fetchOne("SELECT note FROM t WHERE id = 2", []) { row -> String in try row[column: "note"] }
            }
            #expect(throws: BerthError.self) {
                _ = try db.fetchOne("SELECT name FROM t", []) { row in try row.digest("name") }
            }
        }
    }
}
