import BerthCore
import Foundation
import GRDB

/// Berth's metadata database: one SQLite file under the root, written in WAL mode.
/// Every namespaced record (namespaces, images, containers, leases, content and snapshot records) lives here,
/// so that a change that spans several records commits or fails as one transaction.
public final class MetadataStore: Sendable {
    /// Folder under the root, named like containerd's metadata plugin folder.
    public static let directoryName = "io.containerd.metadata.v1.sqlite"
    public static let fileName = "meta.db"

    let pool: DatabasePool
    let readers: ReadConnections
    public let path: String

    /// Opens (or creates) the database under `root` and brings its schema up to date.
    public init(root: String) throws {
        let directory = URL(fileURLWithPath: root).appendingPathComponent(Self.directoryName)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        path = directory.appendingPathComponent(Self.fileName).path
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Durable commits: a crash must not lose an acknowledged write.
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
        readers = try ReadConnections(path: path, configuration: configuration)
    }

    /// The schema versions applied so far, oldest first.
    public func appliedMigrations() throws -> [String] {
        try pool.read { db in try Self.migrator.appliedIdentifiers(db).sorted() }
    }

    /// Synchronous on purpose: a read takes microseconds, and GRDB's async read costs two thread hops (to a
    /// reader queue and back), which made a trivial RPC such as Content/Info ten times slower than containerd's.
    /// A connection's serial queue that is idle runs the block on the calling thread. The transaction is begun
    /// with a cached statement (`inCachedTransaction`).
    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await mapDatabaseErrors {
            try readers.withConnection { connection in
                try connection.unsafeRead { db in try db.inCachedTransaction(immediate: false) { try body(db) } }
            }
        }
    }

    /// A lookup that runs one statement (SQLite reads it in a transaction of its own), so it skips the
    /// explicit BEGIN and COMMIT a read wraps around its body.
    func lookup<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await mapDatabaseErrors { try readers.withConnection { connection in try connection.unsafeRead(body) } }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await mapDatabaseErrors {
            try await pool.writeWithoutTransaction { db in try db.inCachedTransaction(immediate: true) { try body(db) } }
        }
    }

    private func mapDatabaseErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as BerthError {
            throw error
        } catch let error as DatabaseError {
            throw BerthError(.unknown, "metadata database: \(error.message ?? error.description)")
        }
    }
}
