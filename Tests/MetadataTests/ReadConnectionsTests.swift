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

    /// Readers on four threads each hold a connection inside a read until all four are in: with one shared
    /// connection they would queue behind one another and the meeting would time out.
    @Test func concurrentReadersEachGetAConnectionAndAFewAreKept() throws {
        let readers = try ReadConnections(path: store.path, configuration: Configuration())
        let meeting = Meeting(of: 4)
        let done = DispatchGroup()
        let results = Mutex<[Bool]>([])
        for _ in 0..<4 {
            done.enter()
            Thread.detachNewThread {
                defer { done.leave() }
                let met = (try? readers.withConnection { connection in
                    try connection.unsafeRead { db -> Bool in
                        _ = try Int.fetchOne(db, sql: "SELECT count(*) FROM namespaces")
                        return meeting.arriveAndWait(timeout: .now() + 10)
                    }
                }) ?? false
                results.withLock { $0.append(met) }
            }
        }
        done.wait()
        #expect(results.withLock { $0 } == [true, true, true, true], "readers queued behind one another")
        #expect(readers.idleCount == ReadConnections.maxIdle)
    }

    @Test func readConnectionsCannotWrite() throws {
        let readers = try ReadConnections(path: store.path, configuration: Configuration())
        #expect(throws: DatabaseError.self) {
            try readers.withConnection { connection in
                try connection.unsafeRead { try $0.execute(sql: "DELETE FROM namespaces") }
            }
        }
    }
}

/// Threads wait here until `count` of them have arrived.
private final class Meeting: Sendable {
    private let count: Int
    private let arrived = Mutex(0)
    private let allHere = DispatchSemaphore(value: 0)

    init(of count: Int) {
        self.count = count
    }

    func arriveAndWait(timeout: DispatchTime) -> Bool {
        let last = arrived.withLock { $0 += 1; return $0 == count }
        if last { for _ in 0..<count { allHere.signal() } }
        return allHere.wait(timeout: timeout) == .success
    }
}
