import BerthCore
import Foundation
import Testing

@testable import Daemon

@Suite struct RootLockTests {
    @Test func secondLockOnTheSameRootFailsWithTheHolderPID() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("berth-lock-\(UUID())").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var first: RootLock? = try RootLock(root: root)
        do {
            _ = try RootLock(root: root)
            Issue.record("expected the second lock to fail")
        } catch let error as BerthError {
            #expect(error.kind == .unavailable)
            #expect(error.message.contains("already running with root \(root)"))
            #expect(error.message.contains("pid \(getpid())"))
        }
        first = nil
        _ = first
        // Released with its descriptor: the root can be locked again.
        _ = try RootLock(root: root)
    }
}
