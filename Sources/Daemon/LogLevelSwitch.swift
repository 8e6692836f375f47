import Logging
import Synchronization

/// The daemon's log level, shared by every log handler so it can change while berthd runs: SIGUSR1 switches
/// between the configured level and debug (containerd changes levels through its debug socket).
public final class LogLevelSwitch: Sendable {
    public let configured: Logger.Level
    private let current: Mutex<Logger.Level>

    public init(_ level: Logger.Level) {
        configured = level
        current = Mutex(level)
    }

    public var level: Logger.Level { current.withLock { $0 } }

    /// Debug if at the configured level, the configured level otherwise; returns the new level.
    @discardableResult
    public func toggleDebug() -> Logger.Level {
        current.withLock { level in
            level = level == configured && configured > .debug ? .debug : configured
            return level
        }
    }
}

/// Installs berthd's log handlers (text or JSON on stderr) at the switch's level.
public enum DaemonLogging {
    public static func bootstrap(format: LogFormat, levels: LogLevelSwitch) {
        LoggingSystem.bootstrap { DaemonLogHandler(label: $0, format: format, levels: levels) }
    }
}
