import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct LockTests {
    @Test func secondWriterOnAnOpenRefIsUnavailable() throws {
        try withTemporaryStore { store, _ in
            let writer = try store.writer(ref: "busy")
            let error = expectBerthError(.unavailable) { try store.writer(ref: "busy") }
            // containerd: "ref %s locked for %s (since %s)".
            #expect(error?.message.hasPrefix("ref busy locked for ") == true)
            #expect(error?.message.hasSuffix(" +0000 UTC)") == true)
            // Other refs are independent.
            try store.writer(ref: "other").close()
            writer.close()
            try store.writer(ref: "busy").close()
        }
    }

    /// With containerd's default of 10 attempts and backoff the call waits, then still fails.
    @Test func defaultRetriesThenFails() throws {
        try withTemporaryStore(lockAttempts: 10) { store, _ in
            let writer = try store.writer(ref: "busy")
            defer { writer.close() }
            let start = Date()
            expectBerthError(.unavailable) { try store.writer(ref: "busy") }
            #expect(Date().timeIntervalSince(start) < 5)
        }
    }

    @Test func waitingWriterGetsTheRefOnceReleased() async throws {
        let root = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = try LocalContentStore(root: root)
        let first = try store.writer(ref: "handover")
        try first.write([1, 2, 3])
        let waiter = Task.detached { () throws -> Int64 in
            let second = try store.writer(ref: "handover")
            defer { second.close() }
            return try second.status().offset
        }
        try await Task.sleep(nanoseconds: 5_000_000)
        first.close()
        // Usually succeeds within the retries; if the backoff ran out first it is unavailable.
        do {
            #expect(try await waiter.value == 3)
        } catch let error as BerthError {
            #expect(error.kind == .unavailable)
        }
    }

    @Test func lockIsSharedByStoresOnTheSameRootOnly() throws {
        try withTemporaryStore { store, root in
            let writer = try store.writer(ref: "shared")
            defer { writer.close() }
            let sameRoot = try LocalContentStore(root: root + "/./", lockAttempts: 1)
            expectBerthError(.unavailable) { try sameRoot.writer(ref: "shared") }
            try withTemporaryStore { otherStore, _ in
                try otherStore.writer(ref: "shared").close()
            }
        }
    }

    @Test func droppingAWriterReleasesTheRef() throws {
        try withTemporaryStore { store, _ in
            do {
                let writer = try store.writer(ref: "dropped")
                try writer.write([1])
            }
            let writer = try store.writer(ref: "dropped")
            #expect(try writer.status().offset == 1)
            writer.close()
        }
    }

    @Test func failedCommitReleasesTheRef() throws {
        try withTemporaryStore { store, _ in
            let writer = try store.writer(ref: "failing")
            try writer.write([1, 2])
            expectBerthError(.failedPrecondition) { try writer.commit(size: 3, expected: nil) }
            try store.writer(ref: "failing").close()
        }
    }
}
