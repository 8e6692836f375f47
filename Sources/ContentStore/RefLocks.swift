import BerthCore
import Foundation
import Synchronization

/// The in-process table of ingests that have an open writer (containerd's locks.go).
/// It is process-wide, like containerd's, so that two store instances over the same root cannot
/// both write one ingest; keys are ingest directory paths, so stores over different roots do
/// not contend for equal refs.
final class RefLocks: Sendable {
    static let shared = RefLocks()

    private let held = Mutex<[String: Date]>([:])

    /// Takes the lock or fails with containerd's message, e.g.
    /// "ref foo locked for 1.2ms (since 2024-01-02 03:04:05.123456 +0000 UTC)".
    func tryLock(_ key: String, ref: String) throws {
        let now = Timestamp.now()
        let holderSince: Date? = held.withLock { held in
            if let since = held[key] { return since }
            held[key] = now
            return nil
        }
        if let since = holderSince {
            let waited = Int64((now.timeIntervalSince(since) * 1e9).rounded())
            throw BerthError.unavailable(
                "ref \(ref) locked for \(Timestamp.goDuration(nanoseconds: waited)) (since \(Timestamp.goString(since)))")
        }
    }

    func unlock(_ key: String) {
        _ = held.withLock { $0.removeValue(forKey: key) }
    }

    func isLocked(_ key: String) -> Bool {
        held.withLock { $0[key] != nil }
    }
}
