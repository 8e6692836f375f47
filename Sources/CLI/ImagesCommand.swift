import ArgumentParser
import BerthClient
import BerthCore
import Foundation
import GRPCCore
import OCI

struct ImagesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "images", abstract: "Manage images.",
        subcommands: [List.self, Check.self, Tag.self, Label.self, Remove.self, Import.self, Export.self, MountImage.self, UnmountImage.self,
            Pull.self, Push.self,
        ],
        aliases: ["image", "i"])

    /// The platform ctr reports sizes for.
    static let hostPlatform = HostPlatform.formatted

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List images.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the image refs.") var quiet = false
        @Argument(help: "Filters, e.g. name~=busybox.") var filters: [String] = []

        func run() async throws {
            let rows: [[String]] = try await global.withClient { client in
                let images = try await client.listImages(filters: filters)
                if quiet { return images.map { [$0.name] } }
                var rows = [["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"]]
                for image in images {
                    let summary = try? await client.walk(image.target)
                    let platforms = summary?.platforms ?? []
                    let labels = image.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
                    rows.append([
                        image.name, image.target.mediaType, image.target.digest,
                        Units.binarySize(summary?.size(for: ImagesCommand.hostPlatform) ?? 0),
                        platforms.isEmpty ? "-" : platforms.joined(separator: ","), labels.isEmpty ? "-" : labels,
                    ])
                }
                return rows
            }
            CommandOutput.write(quiet ? rows.map { $0[0] + "\n" }.joined() : CommandOutput.table(rows))
        }
    }

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", abstract: "Check that an image has all its content.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the names of complete images.") var quiet = false
        @Argument(help: "Filters, e.g. name~=busybox.") var filters: [String] = []

        func run() async throws {
            let rows: [[String]] = try await global.withClient { client in
                var rows: [[String]] = []
                for image in try await client.listImages(filters: filters) {
                    let summary = try await client.walk(image.target)
                    let required = summary.descriptors
                    let missing = Set(summary.missing.map(\.digest))
                    let present = required.filter { !missing.contains($0.digest) }
                    let status = (missing.isEmpty ? "complete" : "incomplete") + " (\(present.count)/\(required.count))"
                    let size = "\(Units.binarySize(present.reduce(0) { $0 + $1.size }))/\(Units.binarySize(required.reduce(0) { $0 + $1.size }))"
                    rows.append([image.name, image.target.mediaType, image.target.digest, status, size, missing.isEmpty ? "complete" : ""])
                }
                return rows
            }
            if quiet {
                CommandOutput.write(rows.filter { $0[5] == "complete" }.map { $0[0] + "\n" }.joined())
            } else {
                let table = [["REF", "TYPE", "DIGEST", "STATUS", "SIZE"]] + rows.map { Array($0.prefix(5)) }
                CommandOutput.write(CommandOutput.table(table))
            }
        }
    }

    struct Tag: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tag", abstract: "Tag an image.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Replace an existing image of the target name.") var force = false
        @Argument(help: "The source image.") var source: String
        @Argument(help: "One or more new names.") var targets: [String]

        func run() async throws {
            try await global.withClient { client in
                for target in targets {
                    try await client.tagImage(source: source, target: target, force: force)
                    CommandOutput.write(target + "\n")
                }
            }
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "label", abstract: "Set and clear labels for an image.")
        @OptionGroup var global: GlobalOptions
        @Flag(name: .long, help: "Replace all labels.") var replaceAll = false
        @Argument(help: "The image's name.") var name: String
        @Argument(help: "Labels as key=value; an empty value clears the label.") var labels: [String] = []

        func run() async throws {
            let image = try await global.withClient { try await $0.setImageLabels(name, CommandOutput.labels(from: labels)) }
            CommandOutput.write(image.labels.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",") + "\n")
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "delete", abstract: "Remove one or more images by reference.", aliases: ["del", "remove", "rm"])
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Wait until garbage collection has removed what the images held.") var sync = false
        @Argument(help: "Image references.") var names: [String]

        func run() async throws {
            var failed = false
            try await global.withClient { client in
                for (index, name) in names.enumerated() {
                    do {
                        // As ctr: only the last delete waits for collection.
                        try await client.deleteImage(name, sync: sync && index == names.count - 1)
                        CommandOutput.write(name + "\n")
                    } catch let error as RPCError where error.code == .notFound {
                        CommandOutput.printError("image \"\(name)\": not found")
                        failed = true
                    } catch {
                        CommandOutput.printError("unable to delete \(name): \(CommandOutput.describe(error, address: global.resolvedAddress, debug: global.debug))")
                        failed = true
                    }
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
