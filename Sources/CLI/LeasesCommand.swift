import ArgumentParser
import BerthClient
import Foundation
import GRPCCore

struct LeasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leases", abstract: "Manage leases.", subcommands: [List.self, Create.self, Remove.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List all active leases.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the lease ids.") var quiet = false
        @Argument(help: "Filters, e.g. id~=tmp.") var filters: [String] = []

        func run() async throws {
            let leases = try await global.withClient { try await $0.listLeases(filters: filters) }
            if quiet { return CommandOutput.write(leases.map { $0.id + "\n" }.joined()) }
            let rows = [["ID", "CREATED AT", "LABELS"]] + leases.map { lease in
                let labels = lease.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
                return [lease.id, lease.createdAt.date.formatted(.iso8601), labels.isEmpty ? "-" : labels]
            }
            CommandOutput.write(CommandOutput.table(rows))
        }
    }

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a lease.")
        @OptionGroup var global: GlobalOptions
        @Option(name: .shortAndLong, help: "Set the id of the lease.") var id = ""
        @Option(name: .shortAndLong, help: "Expire the lease after this duration (e.g. 24h; 0 never).") var expires = "24h"
        @Argument(help: "Labels as key=value.") var labels: [String] = []

        func run() async throws {
            guard let duration = GoDuration.parse(expires) else { throw ValidationError("invalid duration \"\(expires)\" for --expires") }
            let lease = try await global.withClient {
                try await $0.createLease(id: id, labels: CommandOutput.labels(from: labels), expiresIn: duration == .zero ? nil : duration)
            }
            CommandOutput.write(lease.id + "\n")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete leases.", aliases: ["del", "remove", "rm"])
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Wait until garbage collection has removed what the leases held.") var sync = false
        @Argument(help: "Lease ids.") var ids: [String]

        func run() async throws {
            try await global.withClient { client in
                for (index, id) in ids.enumerated() {
                    try await client.deleteLease(id, sync: sync && index == ids.count - 1)
                    CommandOutput.write(id + "\n")
                }
            }
        }
    }
}
