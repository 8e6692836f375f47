import GRDB
import Synchronization

/// Read-only connections to the metadata database, for `MetadataStore.read` and `lookup`.
///
/// Why not the DatabasePool's own readers: taking one costs about 35,000 instructions (two barrier syncs on
/// a concurrent queue, a key path built for every `first(where:)`, a schema-version query), more than the
/// lookup it serves, and a `ctr run` makes about forty. Here an idle connection is popped from a list under a
/// lock. A connection is opened when none is idle (concurrent readers each get one, as from the pool), and
/// at most `maxIdle` are kept. In WAL mode every read transaction sees what was committed before it began,
/// whichever connection it runs on.
final class ReadConnections: Sendable {
    static let maxIdle = 4

    private let path: String
    private let configuration: Configuration
    private let idle = Mutex<[DatabaseQueue]>([])

    /// Opens the first connection now, so that requests rarely pay for an open.
    init(path: String, configuration: Configuration) throws {
        var configuration = configuration
        configuration.readonly = true
        self.path = path
        self.configuration = configuration
        let first = try DatabaseQueue(path: path, configuration: configuration)
        idle.withLock { $0.append(first) }
    }

    var idleCount: Int { idle.withLock { $0.count } }

    func withConnection<T>(_ body: (DatabaseQueue) throws -> T) throws -> T {
        let connection = try idle.withLock { $0.popLast() } ?? DatabaseQueue(path: path, configuration: configuration)
        defer {
            idle.withLock { idle in
                if idle.count < Self.maxIdle { idle.append(connection) }
            }
        }
        return try body(connection)
    }
}
