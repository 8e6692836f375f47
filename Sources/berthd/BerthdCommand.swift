import ArgumentParser
import BerthCore
import Daemon
import Foundation
import Logging

/// berthd: the Berth daemon. Everything but flag parsing lives in the Daemon module.
@main
struct BerthdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "berthd",
        abstract: "Berth: a container runtime daemon that serves containerd's API.",
        version: BerthVersion.version)

    @Option(name: [.customShort("c"), .long], help: "Path to the configuration file.")
    var config: String?

    @Option(name: [.customShort("a"), .long], help: "Address of the gRPC unix socket.")
    var address: String?

    @Option(help: "Directory for persistent data.")
    var root: String?

    @Option(help: "Directory for runtime state.")
    var state: String?

    @Option(name: [.customShort("l"), .long], help: "Log level (trace, debug, info, notice, warning, error, critical).")
    var logLevel: String?

    func run() async throws {
        var settings = DaemonConfig()
        do {
            try settings.apply(fileAt: config ?? DaemonConfig.defaultConfigPath, required: config != nil)
            if let address { settings.address = address }
            if let root { settings.root = root }
            if let state { settings.state = state }
            if let logLevel { settings.logLevel = try DaemonConfig.parseLogLevel(logLevel, source: "--log-level") }
        } catch let error as BerthError {
            throw ValidationError(error.message)
        }
        let level = settings.logLevel
        LoggingSystem.bootstrap { LogfmtLogHandler(label: $0, level: level) }
        let logger = Logger(label: "berthd")
        do {
            try await Daemon(config: settings, logger: logger).run()
        } catch let error as BerthError {
            logger.critical("berthd failed to start", metadata: ["error": "\(error.message)"])
            FileHandle.standardError.write(Data("berthd: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}
