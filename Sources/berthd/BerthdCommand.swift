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
        discussion: "Without a subcommand berthd runs the daemon. SIGUSR1 toggles debug logging while it runs.",
        version: BerthVersion.version,
        subcommands: [ConfigCommand.self])

    @OptionGroup var options: DaemonOptions

    func run() async throws {
        let (settings, warnings) = try options.resolve()
        let levels = LogLevelSwitch(settings.logLevel)
        DaemonLogging.bootstrap(format: settings.logFormat, levels: levels)
        let logger = Logger(label: "berthd")
        for warning in warnings { logger.warning("\(warning)") }
        do {
            try await Daemon(config: settings, logger: logger, levels: levels).run()
        } catch let error as BerthError {
            logger.critical("berthd failed to start", metadata: ["error": "\(error.message)"])
            FileHandle.standardError.write(Data("berthd: \(error.message)\n".utf8))
            throw ExitCode(1)
        }
    }
}

/// The flags that set the configuration, shared by the daemon and `config dump`.
struct DaemonOptions: ParsableArguments {
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

    @Option(help: "Log format on stderr (text, json).")
    var logFormat: String?

    /// Embedded defaults, then the file, then these flags; and the file's unknown keys.
    func resolve() throws -> (DaemonConfig, warnings: [String]) {
        var settings = DaemonConfig()
        do {
            let warnings = try settings.apply(fileAt: config ?? DaemonConfig.defaultConfigPath, required: config != nil)
            if let address { settings.address = address }
            if let root { settings.root = root }
            if let state { settings.state = state }
            if let logLevel { settings.logLevel = try DaemonConfig.parseLogLevel(logLevel, source: "--log-level") }
            if let logFormat { settings.logFormat = try LogFormat.parse(logFormat, source: "--log-format") }
            return (settings, warnings)
        } catch let error as BerthError {
            throw ValidationError(error.message)
        }
    }
}

/// containerd's `config default` and `config dump`.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Print berthd's configuration as TOML.",
        subcommands: [Default.self, Dump.self])

    struct Default: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the embedded default configuration, every key commented.")

        func run() {
            print(DaemonConfig().toml(), terminator: "")
        }
    }

    struct Dump: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the effective configuration: defaults, the config file and these flags.")

        @OptionGroup var options: DaemonOptions

        func run() throws {
            let (settings, warnings) = try options.resolve()
            for warning in warnings { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
            print(settings.toml(), terminator: "")
        }
    }
}
