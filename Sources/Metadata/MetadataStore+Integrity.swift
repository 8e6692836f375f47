import BerthCore
import GRDB

extension MetadataStore {
    /// SQLite's own checks: the file's structure, and rows whose foreign keys point at nothing.
    func integrityProblems() async throws -> [ConsistencyFinding] {
        try await read { db in
            var findings: [ConsistencyFinding] = []
            for line in try String.fetchAll(db, sql: "PRAGMA integrity_check") where line != "ok" {
                findings.append(.init(.error, "database", subject: Self.fileName, detail: line))
            }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                let table: String = row["table"] ?? "?"
                let parent: String = row["parent"] ?? "?"
                let rowID: Int64? = row["rowid"]
                findings.append(.init(.error, "database-reference", subject: "\(table) row \(rowID.map { "\($0)" } ?? "?")",
                                      detail: "refers to a missing row of \(parent)"))
            }
            return findings
        }
    }
}
