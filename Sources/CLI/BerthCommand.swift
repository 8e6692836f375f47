import ArgumentParser
import BerthCore

/// `berth`: ctr's command tree, against berthd (or containerd).
public struct BerthCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "berth",
        abstract: "A command line client for berthd, with ctr's commands.",
        version: BerthVersion.version,
        subcommands: [
            VersionCommand.self, NamespacesCommand.self, PluginsCommand.self, EventsCommand.self,
            ContentCommand.self, ImagesCommand.self, LeasesCommand.self, SnapshotsCommand.self,
            ContainersCommand.self, TasksCommand.self, RunCommand.self, InfoCommand.self, AdminCommand.self,
        ])

    // Declared here as well as in each leaf, so that ctr's habit of global options before the subcommand
    // (`berth -n ns1 images ls`) parses; the leaves read the values.
    @OptionGroup var global: GlobalOptions

    public init() {}
}
