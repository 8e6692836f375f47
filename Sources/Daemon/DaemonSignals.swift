import Logging
import ServiceLifecycle
import UnixSignals

/// SIGUSR1 toggles debug logging while berthd runs.
struct LogLevelSignals: Service {
    let levels: LogLevelSwitch
    let logger: Logger

    func run() async throws {
        for await _ in await UnixSignalsSequence(trapping: .sigusr1).cancelOnGracefulShutdown() {
            let level = levels.toggleDebug()
            logger.notice("log level changed by SIGUSR1", metadata: ["level": "\(level)"])
        }
    }
}
