import ArgumentParser
import BerthClient
import BerthCore

/// `berth info`: what runs, where its data is, and which plugins are not running and why.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info", abstract: "Show the server, where its data lives, and plugins that are not running.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let (server, plugins) = try await global.withClient { client in
            (try await client.serverInfo(), try await client.plugins())
        }
        var text = """
            Server:
              Address:   \(global.resolvedAddress)
              Version:   \(server.version)
              Revision:  \(server.revision)
              UUID:      \(server.uuid)

            """
        let located = plugins.filter { !$0.exports.isEmpty }
            .flatMap { plugin in
                plugin.exports.sorted { $0.key < $1.key }.filter { ["root", "state", "address"].contains($0.key) }
                    .map { ["  \(plugin.type).\(plugin.id)", $0.key, $0.value] }
            }
        if !located.isEmpty {
            text += "Data:\n" + CommandOutput.table(located, padding: 2, minWidth: 1)
        }
        let statuses = plugins.map(PluginStatus.init)
        let counts = [PluginStatus.ok, .skip, .error].map { status in "\(statuses.filter { $0 == status }.count) \(status)" }
        text += "Plugins: \(plugins.count) (\(counts.joined(separator: ", ")))\n"
        for (plugin, status) in zip(plugins, statuses) where status != .ok {
            text += "  \(status): \(plugin.type).\(plugin.id): \(plugin.initErr.message)\n"
        }
        CommandOutput.write(text)
    }
}

/// A plugin's state as ctr shows it: a plugin that chose not to run (containerd's ErrSkipPlugin) is "skip".
enum PluginStatus: String, CustomStringConvertible {
    case ok, skip, error

    init(_ plugin: PluginDescription) {
        if !plugin.hasInitErr {
            self = .ok
        } else {
            self = plugin.initErr.message.contains("skip plugin") ? .skip : .error
        }
    }

    var description: String { rawValue }
}
