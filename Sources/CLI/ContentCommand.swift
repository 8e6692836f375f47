import ArgumentParser
import BerthClient
import Foundation
import GRPCCore

struct ContentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "content", abstract: "Manage content.",
        subcommands: [List.self, Get.self, Ingest.self, Active.self, Label.self, Remove.self, Prune.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List all blobs in the store.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the blob digest.") var quiet = false
        @Argument(help: "Filters, e.g. labels.\"k\"==v.") var filters: [String] = []

        func run() async throws {
            let infos = try await global.withClient { try await $0.listContent(filters: filters) }
            if quiet { return CommandOutput.write(infos.map { $0.digest + "\n" }.joined()) }
            let now = Date()
            let rows = [["DIGEST", "SIZE", "AGE", "LABELS"]] + infos.map { info in
                let labels = info.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
                return [info.digest, Units.humanSize(info.size), Units.humanDuration(now.timeIntervalSince(info.createdAt.date)),
                        labels.isEmpty ? "-" : labels]
            }
            CommandOutput.write(CommandOutput.table(rows))
        }
    }

    struct Get: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "get", abstract: "Write a blob to stdout.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The blob's digest.") var digest: String

        func run() async throws {
            try await global.withClient { client in
                try await client.readContent(digest) { FileHandle.standardOutput.write($0) }
            }
        }
    }

    struct Ingest: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ingest", abstract: "Write stdin into the store as a blob, resuming an interrupted ingest of the same ref.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Validate the blob against this size.") var expectedSize: Int64 = 0
        @Option(help: "Verify the blob against this digest.") var expectedDigest = ""
        @Argument(help: "The ingest's reference.") var ref: String

        func run() async throws {
            // As ctr: no lease, so the new blob is kept until the next collection unless something references it
            // (label it containerd.io/gc.root to keep it).
            let digest = try await global.withClient { client in
                try await client.ingest(
                    ref: ref, expectedSize: expectedSize, expectedDigest: expectedDigest, source: StandardInput.chunks(from:))
            }
            if global.debug { CommandOutput.printError("committed \(digest)") }
        }
    }

    struct Active: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "active", abstract: "Display active transfers.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Filters, e.g. ref~=layer.") var filters: [String] = []

        func run() async throws {
            let statuses = try await global.withClient { try await $0.activeIngests(filters: filters) }
            let now = Date()
            let rows = [["REF", "SIZE", "AGE"]] + statuses.map {
                [$0.ref, Units.humanSize($0.offset), Units.humanDuration(now.timeIntervalSince($0.startedAt.date))]
            }
            CommandOutput.write(CommandOutput.table(rows))
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "label", abstract: "Add labels to content; an empty value removes a label.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The blob's digest.") var digest: String
        @Argument(help: "Labels as key=value.") var labels: [String] = []

        func run() async throws {
            let result = try await global.withClient { try await $0.setContentLabels(digest, CommandOutput.labels(from: labels)) }
            CommandOutput.write(result.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",") + "\n")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Permanently delete one or more blobs.", aliases: ["del", "remove", "rm"])
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Digests of the blobs.") var digests: [String]

        func run() async throws {
            var failed = false
            try await global.withClient { client in
                for digest in digests {
                    do {
                        try await client.deleteContent(digest)
                        CommandOutput.write(digest + "\n")
                    } catch let error as RPCError where error.code == .notFound {
                        continue
                    } catch {
                        CommandOutput.printError("could not delete \(digest): \(CommandOutput.describe(error, address: global.resolvedAddress, debug: global.debug))")
                        failed = true
                    }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }

    struct Prune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "prune", abstract: "Remove content nothing references now (runs garbage collection).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            try await global.withClient { client in
                // The v1 API has no collect call; deleting a lease with sync runs a full collection.
                let lease = try await client.createLease()
                try await client.deleteLease(lease.id, sync: true)
            }
        }
    }
}

/// Reads standard input in large chunks without buffering it whole.
enum StandardInput {
    static let chunkSize = 1 << 20

    /// Data from `offset` on: resuming an ingest skips what the server already has.
    @Sendable static func chunks(from offset: Int64) throws -> AsyncThrowingStream<Data, any Error> {
        let input = FileHandle.standardInput
        var skip = offset
        while skip > 0 {
            let part = input.readData(ofLength: Int(min(Int64(chunkSize), skip)))
            if part.isEmpty { break }
            skip -= Int64(part.count)
        }
        return AsyncThrowingStream {
            let chunk = input.readData(ofLength: chunkSize)
            return chunk.isEmpty ? nil : chunk
        }
    }
}
