import ArgumentParser
import BerthClient
import BerthCore
import Foundation
import GRPCCore
import RuntimeSpec
import SwiftProtobuf

/// `berth containers|c`: ctr's container commands.
struct ContainersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "containers", abstract: "Manage containers.",
        subcommands: [Create.self, List.self, Info.self, Delete.self, Label.self],
        aliases: ["c", "container"])

    struct Create: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "create", abstract: "Create a container from an image.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var options: ContainerOptions
        @Argument(help: "The image.") var image: String
        @Argument(help: "The container id.") var id: String
        @Argument(parsing: .captureForPassthrough, help: "The command and its arguments.") var command: [String] = []

        func run() async throws {
            try await global.withClient { client in
                _ = try await ContainerCreator(client: client, options: options).create(image: image, id: id, args: command)
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "ls", abstract: "List containers.", aliases: ["list"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .shortAndLong, help: "Print only the container id.") var quiet = false
        @Argument(help: "Filters, e.g. labels.app==web.") var filters: [String] = []

        func run() async throws {
            let containers = try await global.withClient { try await $0.listContainers(filters: filters) }
            if quiet {
                CommandOutput.write(containers.map { $0.id + "\n" }.joined())
                return
            }
            let rows = [["CONTAINER", "IMAGE", "RUNTIME"]]
                + containers.map { [$0.id, $0.image.isEmpty ? "-" : $0.image, $0.runtime.name] }
            CommandOutput.write(CommandOutput.table(rows, padding: 4, minWidth: 4))
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Print a container's record as JSON.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Print only the OCI spec.") var spec = false
        @Argument(help: "The container id.") var id: String

        func run() async throws {
            let container = try await global.withClient { try await $0.container(id) }
            CommandOutput.write(try ContainerInfo.render(container, specOnly: spec) + "\n")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rm", abstract: "Delete containers and their snapshots.", aliases: ["delete", "del", "remove"])
        @OptionGroup var global: GlobalOptions
        @Flag(name: .customLong("keep-snapshot"), help: "Do not remove the container's snapshot.") var keepSnapshot = false
        @Argument(help: "The container ids.") var ids: [String]

        func run() async throws {
            try await global.withClient { client in
                var failed = false
                for id in ids {
                    do {
                        try await Self.delete(id, client: client, keepSnapshot: keepSnapshot)
                    } catch {
                        failed = true
                        CommandOutput.printError("failed to delete container \"\(id)\": \(CommandOutput.describe(error, address: global.resolvedAddress, debug: global.debug))")
                    }
                }
                if failed { throw ExitCode(1) }
            }
        }

        /// As containerd's client: a container with a task is not deleted; its snapshot goes with it.
        static func delete(_ id: String, client: BerthClient, keepSnapshot: Bool) async throws {
            let container = try await client.container(id)
            if (try? await client.task(id)) != nil {
                throw BerthError.failedPrecondition("cannot delete running task \(id): failed precondition")
            }
            try await delete(container, client: client, keepSnapshot: keepSnapshot)
        }

        /// Deletes a container known to have no task (`run --rm`, which deleted it), and its snapshot.
        static func delete(_ container: ContainerDescription, client: BerthClient, keepSnapshot: Bool) async throws {
            try await client.deleteContainer(container.id)
            if !keepSnapshot, !container.snapshotKey.isEmpty {
                do {
                    try await client.removeSnapshot(container.snapshotKey, snapshotter: container.snapshotter)
                } catch let error as RPCError where error.code == .notFound {}
            }
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "label", abstract: "Set or clear labels on a container (KEY=VALUE, KEY= clears).")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "The container id.") var id: String
        @Argument(help: "Labels KEY=VALUE.") var labels: [String] = []

        func run() async throws {
            let parsed = CommandOutput.labels(from: labels)
            let updated = try await global.withClient { client in
                try await client.updateContainer(.with {
                    $0.id = id
                    $0.labels = parsed.filter { !$0.value.isEmpty }
                }, paths: parsed.keys.sorted().map { "labels.\($0)" })
            }
            let text = updated.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            CommandOutput.write(text + "\n")
        }
    }
}

/// `containers info` output: the record as containerd's Go client prints it (JSON, spec decoded).
enum ContainerInfo {
    static func render(_ container: ContainerDescription, specOnly: Bool) throws -> String {
        let specObject = try JSONSerialization.jsonObject(with: container.spec.value.isEmpty ? Data("{}".utf8) : container.spec.value)
        if specOnly { return try pretty(specObject) }
        var object: [String: Any] = [
            "ID": container.id, "Labels": container.labels, "Image": container.image,
            "Runtime": ["Name": container.runtime.name, "Options": NSNull()],
            "SnapshotKey": container.snapshotKey, "Snapshotter": container.snapshotter,
            "CreatedAt": container.createdAt.date.formatted(.iso8601),
            "UpdatedAt": container.updatedAt.date.formatted(.iso8601),
            "Extensions": [String: Any](), "Spec": specObject,
        ]
        if container.runtime.hasOptions { object["Runtime"] = ["Name": container.runtime.name, "Options": ["type_url": container.runtime.options.typeURL]] }
        return try pretty(object)
    }

    private static func pretty(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    }
}
