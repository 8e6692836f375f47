import BerthCore
import Foundation
import GRDB
import Synchronization
import Testing

@testable import Metadata

@Suite struct ReadConnectionsTests {
    let root: TemporaryDirectory
    let store: MetadataStore

    init() throws {
        root = try TemporaryDirectory()
        store = try MetadataStore(root: root.path)
    }

    /// Reads run on their own connections, yet each sees every write committed before it.
    @Test func readsSeeEachCommitAtOnce() async throws {
        for index in 0..<20 {
            try await store.createNamespace(Namespace(name: "n\(index)", labels: ["i": "\(index)"]))
            #expect(try await store.namespace(named: "n\(index)")?.labels == ["i": "\(index)"])
            #expect(try await store.listNamespaces().count == index + 1)
        }
        try await store.deleteNamespace(named: "n0")
        #expect(try await store.namespace(named: "n0") == nil)
    }

    @Test func concurrentReadersEachGetAConnectionAndAFewAreKept() async throws {
        let readers = ReadConnections(path: store.path, configuration: Configuration())
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let one = try readers.withConnection { connection -> Int? in
                        gauge.enter()
                        Thread.sleep(forTimeInterval: 0.05)
                        gauge.leave()
                        return try connection.unsafeRead { db in try Int.fetchOne(db, sql: "SELECT 1") }
                    }
                    #expect(one == 1)
                }
            }
            try await group.waitForAll()
        }
        #expect(gauge.mostAtOnce > 1, "readers waited for one another")
        #expect(readers.idleCount <= ReadConnections.maxIdle)
    }

    @Test func readConnectionsCannotWrite() throws {
        let readers = ReadConnections(path: store.path, configuration: Configuration())
        #expect(throws: DatabaseError.self) {
            try readers.withConnection { connection in
                try connection.unsafeRead { try $0.execute(sql: "DELETE FROM namespaces") }
            }
        }
    }
}

/// How many readers held a connection at once.
private final class Gauge: Sendable {
    private let counts = Mutex((now: 0, most: 0))

    var mostAtOnce: Int { counts.withLock { $0.most } }

    func enter() {
        counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
    }

    func leave() {
        counts.withLock { $0.now -= 1 }
    }
}
