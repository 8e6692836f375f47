import ArgumentParser
import BerthClient
import Foundation
import GRPCCore

/// The snapshotter option every snapshot command takes (ctr's, with its environment variable).
struct SnapshotterOption: ParsableArguments {
    @Option(help: "The snapshotter (env CONTAINERD_SNAPSHOTTER, default overlayfs).") var snapshotter: String?

    var resolved: String {
        snapshotter ?? ProcessInfo.processInfo.environment["CONTAINERD_SNAPSHOTTER"].flatMap { $0.isEmpty ? nil : $0 }
            ?? "overlayfs"
    }
}

struct SnapshotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshots", abstract: "Manage snapshots.",
        subcommands: [List.self, Prepare.self, View.self, Mounts.self, Commit.self, Remove.self, Info.self, Usage.self, Label.self, Tree.self,
                      Diff.self],
        aliases: ["snapshot"])

    /// ctr marks snapshots made by hand as GC roots, so that collection leaves them alone.
    static var rootLabel: [String: String] { ["containerd.io/gc.root": Date().formatted(.iso8601)] }

    static func mountCommands(_ mounts: [MountDescription], target: String) -> String {
        mounts.map { "mount -t \($0.type) \($0.source) \(target) -o \($0.options.joined(separator: ","))\n" }.joined()
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List snapshots.", aliases: ["ls"])
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "Filters, e.g. kind==committed.") var filters: [String] = []

        func run() async throws {
            let infos = try await global.withClient { try await $0.listSnapshots(snapshotter: snapshotter.resolved, filters: filters) }
            let rows = [["KEY", "PARENT", "KIND"]] + infos.map { [$0.name, $0.parent, Self.kind($0.kind.rawValue)] }
            CommandOutput.write(CommandOutput.table(rows))
        }

        static func kind(_ raw: Int) -> String { ["Unknown", "View", "Active", "Committed"].indices.contains(raw) ? ["Unknown", "View", "Active", "Committed"][raw] : "Unknown" }
    }

    /// Key, parent and mount target: what `prepare` and `view` share.
    struct NewSnapshotArguments: ParsableArguments {
        @Option(name: .shortAndLong, help: "Print the mount command for this target.") var target: String?
        @Argument(help: "The new snapshot's key.") var key: String
        @Argument(help: "The committed parent.") var parent = ""

        func printMounts(_ mounts: [MountDescription]) {
            if let target { CommandOutput.write(SnapshotsCommand.mountCommands(mounts, target: target)) }
        }
    }

    struct Prepare: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "prepare", abstract: "Prepare a snapshot from a committed snapshot.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @OptionGroup var snapshot: NewSnapshotArguments

        func run() async throws {
            snapshot.printMounts(try await global.withClient {
                try await $0.prepareSnapshot(snapshot.key, parent: snapshot.parent, snapshotter: snapshotter.resolved, labels: SnapshotsCommand.rootLabel)
            })
        }
    }

    struct View: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "view", abstract: "Create a read-only snapshot from a committed snapshot.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @OptionGroup var snapshot: NewSnapshotArguments

        func run() async throws {
            snapshot.printMounts(try await global.withClient {
                try await $0.viewSnapshot(snapshot.key, parent: snapshot.parent, snapshotter: snapshotter.resolved, labels: SnapshotsCommand.rootLabel)
            })
        }
    }

    struct Mounts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "mounts", abstract: "Print the mount commands for a snapshot.", aliases: ["m", "mount"])
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "Where to mount.") var target: String
        @Argument(help: "The snapshot's key.") var key: String

        func run() async throws {
            let mounts = try await global.withClient { try await $0.snapshotMounts(key, snapshotter: snapshotter.resolved) }
            CommandOutput.write(SnapshotsCommand.mountCommands(mounts, target: target))
        }
    }

    struct Commit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "commit", abstract: "Commit an active snapshot into the provided name.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "The committed snapshot's name.") var name: String
        @Argument(help: "The active snapshot's key.") var key: String

        func run() async throws {
            try await global.withClient {
                try await $0.commitSnapshot(name, key: key, snapshotter: snapshotter.resolved, labels: SnapshotsCommand.rootLabel)
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Remove snapshots.", aliases: ["del", "remove", "rm"])
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "Snapshot keys.") var keys: [String]

        func run() async throws {
            try await global.withClient { client in
                for key in keys { try await client.removeSnapshot(key, snapshotter: snapshotter.resolved) }
            }
        }
    }

    struct Info: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "info", abstract: "Get info about a snapshot.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "The snapshot's key.") var key: String

        func run() async throws {
            let info = try await global.withClient { try await $0.statSnapshot(key, snapshotter: snapshotter.resolved) }
            var fields: [(String, String)] = [("Kind", List.kind(info.kind.rawValue)), ("Name", info.name)]
            if !info.parent.isEmpty { fields.append(("Parent", info.parent)) }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let labels = String(decoding: (try? encoder.encode(info.labels)) ?? Data("{}".utf8), as: UTF8.self)
            var text = "{\n" + fields.map { "    \"\($0.0)\": \"\($0.1)\"" }.joined(separator: ",\n")
            text += ",\n    \"Labels\": " + labels.replacingOccurrences(of: "\n", with: "\n    ")
            text += ",\n    \"Created\": \"\(info.createdAt.date.formatted(.iso8601))\",\n    \"Updated\": \"\(info.updatedAt.date.formatted(.iso8601))\"\n}\n"
            CommandOutput.write(text)
        }
    }

    struct Usage: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "usage", abstract: "Show disk usage of snapshots.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Flag(name: .customShort("b"), help: "Display sizes in bytes.") var bytes = false
        @Argument(help: "Snapshot keys (all by default).") var keys: [String] = []

        func run() async throws {
            let rows: [[String]] = try await global.withClient { client in
                let names = keys.isEmpty ? try await client.listSnapshots(snapshotter: snapshotter.resolved).map(\.name) : keys
                var rows: [[String]] = []
                for name in names {
                    let usage = try await client.snapshotUsage(name, snapshotter: snapshotter.resolved)
                    rows.append([name, bytes ? String(usage.size) : Units.binarySize(usage.size), String(usage.inodes)])
                }
                return rows
            }
            CommandOutput.write(CommandOutput.table([["KEY", "SIZE", "INODES"]] + rows))
        }
    }

    struct Label: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "label", abstract: "Set and clear labels of a snapshot.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Argument(help: "The snapshot's key.") var key: String
        @Argument(help: "Labels as key=value; an empty value clears the label.") var labels: [String] = []

        func run() async throws {
            let result = try await global.withClient {
                try await $0.setSnapshotLabels(key, snapshotter: snapshotter.resolved, CommandOutput.labels(from: labels))
            }
            CommandOutput.write(result.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",") + "\n")
        }
    }

    struct Tree: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "tree", abstract: "Display a tree view of snapshot branches.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption

        func run() async throws {
            let infos = try await global.withClient { try await $0.listSnapshots(snapshotter: snapshotter.resolved) }
            var children: [String: [String]] = [:]
            for info in infos where !info.parent.isEmpty { children[info.parent, default: []].append(info.name) }
            var output = ""
            func print(_ name: String, level: Int) {
                output += String(repeating: "  ", count: level) + (level > 0 ? "\\_" : "") + " \(name)\n"
                for child in children[name] ?? [] { print(child, level: level + 1) }
            }
            for info in infos where info.parent.isEmpty { print(info.name, level: 0) }
            CommandOutput.write(output)
        }
    }
}
