import ArgumentParser
import BerthAPI
import BerthClient
import Foundation

extension SnapshotsCommand {
    /// `berth snapshots diff`: the layer between two snapshots (by default the first one's parent and itself),
    /// computed by berthd's diff service into the content store and written to stdout, as ctr does.
    struct Diff: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Get the diff of two snapshots; the default second snapshot is the first one's parent.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Option(name: .customLong("media-type"), help: "Media type of the diff.")
        var mediaType = "application/vnd.oci.image.layer.v1.tar+gzip"
        @Option(help: "Content upload reference to use.") var ref = ""
        @Flag(help: "Keep the diff content (as a GC root); up to its creator to delete it.") var keep = false
        @Option(help: "Labels for the diff content (key=value, repeatable).") var label: [String] = []
        @Argument(help: "The snapshot.") var idA: String
        @Argument(help: "The snapshot to compare with (default: idA's parent).") var idB: String?

        func run() async throws {
            var labels = CommandOutput.labels(from: label)
            if keep { labels["containerd.io/gc.root"] = Date().formatted(.iso8601) }
            let sn = snapshotter.resolved
            try await global.withClient { client in
                // ctr's lease: what this command makes (views, the blob) goes when it ends, unless kept.
                try await client.withTemporaryLease { leased in
                    let layer: Containerd_Types_Descriptor
                    if let idB {
                        layer = try await withMounts(idA, leased, sn) { lower in
                            try await withMounts(idB, leased, sn) { upper in
                                try await leased.computeDiff(lower: lower, upper: upper, mediaType: mediaType, ref: ref, labels: labels)
                            }
                        }
                    } else {
                        let info = try await leased.statSnapshot(idA, snapshotter: sn)
                        let lowerKey = "\(info.parent)-parent-view-\(UInt32.random(in: 0...UInt32.max))"
                        let lower = try await leased.viewSnapshot(lowerKey, parent: info.parent, snapshotter: sn)
                        let computed = await Result(catching: {
                            try await withMounts(idA, leased, sn) { upper in
                                try await leased.computeDiff(lower: lower, upper: upper, mediaType: mediaType, ref: ref, labels: labels)
                            }
                        })
                        try? await leased.removeSnapshot(lowerKey, snapshotter: sn)
                        layer = try computed.get()
                    }
                    try await leased.readContent(layer.digest) { FileHandle.standardOutput.write($0) }
                }
            }
        }

        /// An active snapshot's own mounts, or a temporary view of a committed one.
        private func withMounts<T: Sendable>(
            _ key: String, _ client: BerthClient, _ sn: String, _ body: ([MountDescription]) async throws -> T
        ) async throws -> T {
            let info = try await client.statSnapshot(key, snapshotter: sn)
            if info.kind == .active { return try await body(try await client.snapshotMounts(key, snapshotter: sn)) }
            let viewKey = "\(key)-view-key"
            let mounts = try await client.viewSnapshot(viewKey, parent: key, snapshotter: sn)
            let result = await Result(catching: { try await body(mounts) })
            try? await client.removeSnapshot(viewKey, snapshotter: sn)
            return try result.get()
        }
    }
}

extension Result where Failure == any Error {
    /// The outcome of an async throwing body, so cleanup can run before it is rethrown.
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
