import ArgumentParser
import BerthClient

struct PluginsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugins", abstract: "Provides information about berthd's plugins.",
        subcommands: [List.self], aliases: ["plugin"])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List plugins.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the plugin ids.") var quiet = false
        @Flag(name: .shortAndLong, help: "Print detailed information about each plugin.") var detailed = false
        @Argument(help: "Filters, e.g. type==io.containerd.grpc.v1.") var filters: [String] = []

        func run() async throws {
            let plugins = try await global.withClient { try await $0.plugins(filters: filters) }
            if quiet {
                CommandOutput.write(plugins.map { $0.id + "\n" }.joined())
            } else if detailed {
                CommandOutput.write(plugins.map(Self.details).joined(separator: "\n"))
            } else {
                let rows = [["TYPE", "ID", "PLATFORMS", "STATUS"]] + plugins.map { plugin in
                    [plugin.type, plugin.id, Self.platforms(plugin), PluginStatus(plugin).rawValue]
                }
                CommandOutput.write(CommandOutput.table(rows, padding: 4, minWidth: 4))
            }
        }

        static func platforms(_ plugin: PluginDescription) -> String {
            guard !plugin.platforms.isEmpty else { return "-" }
            let formatted = plugin.platforms.map { platform in
                [platform.os, platform.architecture, platform.variant].filter { !$0.isEmpty }.joined(separator: "/")
            }
            return Set(formatted).sorted().joined(separator: ",")
        }

        static func details(_ plugin: PluginDescription) -> String {
            var rows = [["Type:", plugin.type], ["ID:", plugin.id]]
            if !plugin.requires.isEmpty {
                rows.append(["Requires:", ""])
                rows += plugin.requires.map { ["", $0] }
            }
            if !plugin.platforms.isEmpty { rows.append(["Platforms:", platforms(plugin)]) }
            if !plugin.exports.isEmpty {
                rows.append(["Exports:", ""])
                rows += plugin.exports.sorted { $0.key < $1.key }.map { ["", "\($0.key)  \($0.value)"] }
            }
            if !plugin.capabilities.isEmpty { rows.append(["Capabilities:", plugin.capabilities.joined(separator: ",")]) }
            if plugin.hasInitErr {
                rows.append(["Error:", ""])
                rows.append(["", "Code: \(plugin.initErr.code)"])
                rows.append(["", "Message: \(plugin.initErr.message)"])
            }
            return CommandOutput.table(rows, padding: 4, minWidth: 4)
        }
    }
}
