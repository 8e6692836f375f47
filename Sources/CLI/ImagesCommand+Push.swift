import ArgumentParser
import BerthClient
import BerthCore
import Distribution
import Foundation
import OCI

extension ImagesCommand {
    /// `berth images push REMOTE [LOCAL]`: uploads an image from berthd's content store to a registry (blobs the
    /// registry has are skipped, cross-repository mounts used where the source is known), then tags it.
    struct Push: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "push", abstract: "Push an image to a registry.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @Option(help: "Push content for this platform only (repeatable; default all the image has).") var platform: [String] = []
        @Flag(name: .shortAndLong, help: "No progress output.") var quiet = false
        @Argument(help: "Where to push, e.g. 127.0.0.1:5000/team/app:1.") var remote: String
        @Argument(help: "The local image (default the remote reference).") var local: String?

        func run() async throws {
            let target: Reference
            let platforms: PlatformSelection
            do {
                target = try Reference(parsing: remote)
                platforms = platform.isEmpty ? .all : try PlatformSelection.parse(platform)
            } catch let error as BerthError {
                throw ValidationError(error.message)
            }
            let registryClient = try registry.makeClient()
            defer { Task { try? await registryClient.shutdown() } }
            let progress = quiet ? nil : PullProgress()
            try await global.withClient { client in
                let image = try await client.image(local ?? remote)
                let root = OCIDescriptor(mediaType: image.target.mediaType, digest: image.target.digest, size: image.target.size)
                _ = try await PullProgress.drawing(progress) { continuation in
                    try await ImagePusher(
                        client: registryClient, source: RemoteContentSource(client: client),
                        options: .init(platforms: platforms)
                    ).push(root, to: target, progress: continuation)
                }
                progress?.finish(bytes: image.target.size)
            }
        }
    }
}
