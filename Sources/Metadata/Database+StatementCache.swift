import GRDB

/// Statements Berth runs on every request go through the connection's statement cache. Compiling one (SQLite's
/// parser, and GRDB's authorizer callback for every column it reads) took several times as long as running a
/// point lookup: `Snapshots/Stat` spent about 0.35 ms of CPU compiling its three statements and GRDB's
/// BEGIN and COMMIT, against 0.05 ms for containerd's whole request.
extension Database {
    func executeCached(sql: String, arguments: StatementArguments = StatementArguments()) throws {
        try cachedStatement(sql: sql).execute(arguments: arguments)
    }

    /// `body` in a transaction begun and ended with cached statements; GRDB's own `inTransaction` compiles its
    /// BEGIN and COMMIT anew each time. Rolls back when `body` or the commit fails.
    func inCachedTransaction<T>(immediate: Bool, _ body: () throws -> T) throws -> T {
        try executeCached(sql: immediate ? "BEGIN IMMEDIATE TRANSACTION" : "BEGIN DEFERRED TRANSACTION")
        do {
            let result = try body()
            try executeCached(sql: "COMMIT TRANSACTION")
            return result
        } catch {
            // SQLite may have rolled back already (a full disk, an interrupted statement).
            if isInsideTransaction { try? executeCached(sql: "ROLLBACK TRANSACTION") }
            throw error
        }
    }
}
