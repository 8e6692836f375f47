#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Named places where a crash test may kill the process, as `kill -9` would, between two steps that must
/// survive a crash in between. Off unless `BERTH_CRASH_AT=<name>` (or `<name>@<n>` for the n-th time the
/// point is reached) is in the environment; a point costs one comparison otherwise.
public enum CrashPoint {
    public static let environmentKey = "BERTH_CRASH_AT"

    private struct Target: Sendable {
        var name: String
        var remaining: Int
    }

    private static let target: Mutex<Target?> = Mutex(parseTarget())

    private static func parseTarget() -> Target? {
        guard let raw = getenv(environmentKey).map({ String(cString: $0) }), !raw.isEmpty else { return nil }
        let parts = raw.split(separator: "@", maxSplits: 1)
        let count = parts.count == 2 ? Int(parts[1]) ?? 1 : 1
        return Target(name: String(parts[0]), remaining: max(count, 1))
    }

    private static let enabled: Bool = target.withLock { $0 != nil }

    /// Kills the process with SIGKILL if this is the configured point (and its configured occurrence).
    public static func reach(_ name: StaticString) {
        guard enabled else { return }
        let fire = target.withLock { target -> Bool in
            guard var current = target, current.name == name.description else { return false }
            current.remaining -= 1
            target = current
            return current.remaining == 0
        }
        if fire { kill(getpid(), SIGKILL) }
    }
}
