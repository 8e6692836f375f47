import ArgumentParser
import BerthClient
import GRPCCore

struct NamespacesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "namespaces", abstract: "Manage namespaces.",
        subcommands: [Create.self, List.self, Remove.self, Label.self], aliases: ["namespace", "ns"])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create", abstract: "Create a new namespace; it must be unique.", aliases: ["c"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The namespace's name.") var name: String
        @Argument(help: "Labels as key=value.") var labels: [String] = []

        func run() async throws {
            try await global.withClient { try await $0.createNamespace(name, labels: CommandOutput.labels(from: labels)) }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list", abstract: "List namespaces.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the namespace names.") var quiet = false

        func run() async throws {
            let namespaces = try await global.withClient { try await $0.listNamespaces() }
            if quiet {
                CommandOutput.write(namespaces.map { $0.name + "\n" }.joined())
                return
            }
            let rows = [["NAME", "LABELS"]] + namespaces.map { namespace in
                [namespace.name, namespace.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")]
            }
            CommandOutput.write(CommandOutput.table(rows))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "remove", abstract: "Remove one or more empty namespaces.", aliases: ["rm"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Names of the namespaces.") var names: [String]

        func run() async throws {
            // As ctr: a missing namespace is not an error; the first other failure sets the exit code.
            var failed = false
            try await global.withClient { client in
                for name in names {
                    do {
                        try await client.deleteNamespace(name)
                    } catch let error as RPCError where error.code == .notFound {
                    } catch {
                        CommandOutput.printError("unable to delete \(name): \(CommandOutput.describe(error, address: global.resolvedAddress, debug: global.debug))")
                        failed = true
                        continue
                    }
                    CommandOutput.write(name + "\n")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "label", abstract: "Set and clear labels for a namespace; an empty value clears the label.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The namespace's name.") var name: String
        @Argument(help: "Labels as key=value.") var labels: [String] = []

        func run() async throws {
            try await global.withClient { try await $0.setNamespaceLabels(name, CommandOutput.labels(from: labels)) }
        }
    }
}
