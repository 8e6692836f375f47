import ArgumentParser
import BerthAPI
import BerthClient
import BerthCore
import Distribution
import Foundation
import GRPCCore
import OCI

/// Registry options shared by pull and push, with ctr's names.
struct RegistryOptions: ParsableArguments {
    @Flag(name: .customLong("plain-http"), help: "Use plain HTTP for the registry.") var plainHTTP = false
    @Flag(name: .customLong("skip-verify"), help: "Skip TLS certificate verification.") var skipVerify = false
    @Option(name: [.customShort("u"), .long], help: "Credentials user[:password] (prompted for when missing).") var user: String?
    @Option(name: .customLong("hosts-dir"), help: "Directory of <host>/hosts.toml files.") var hostsDir = RegistryHosts.defaultConfigDirectory

    func makeClient() throws -> RegistryClient {
        let provider: CredentialProvider
        if let user {
            let credential = try Credential(userFlag: user)
            provider = { _ in credential }
        } else {
            let config = (try? DockerConfigCredentials.load()) ?? DockerConfigCredentials(credentials: [:])
            provider = { host in config.credential(for: host) }
        }
        return RegistryClient(
            hosts: RegistryHosts(configDirectory: hostsDir, plainHTTP: plainHTTP, skipVerify: skipVerify),
            credentials: provider)
    }
}

extension ImagesCommand {
    /// `berth images pull`: fetches an image from a registry into berthd's content store (under a lease, so
    /// nothing half-pulled is collected or kept), names it, and unpacks it for the host platform.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Pull an image from a registry and unpack it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Option(help: "Pull content for this platform (repeatable; default the host's).") var platform: [String] = []
        @Flag(name: .customLong("all-platforms"), help: "Pull content for all platforms.") var allPlatforms = false
        @Option(name: .customLong("max-concurrent-downloads"), help: "Layers downloaded at once.") var maxConcurrentDownloads = 3
        @Option(help: "Unpack the image into snapshots (true or false).") var unpack = true
        @Flag(name: .shortAndLong, help: "Print only the image's digest.") var quiet = false
        @Argument(help: "The image reference, e.g. docker.io/library/busybox:latest.") var reference: String

        func validate() throws {
            if maxConcurrentDownloads < 1 { throw ValidationError("--max-concurrent-downloads must be at least 1") }
            if allPlatforms && !platform.isEmpty { throw ValidationError("--platform and --all-platforms cannot be combined") }
        }

        func run() async throws {
            let parsed: Reference
            let platforms: PlatformSelection
            do {
                parsed = try Reference(parsing: reference)
                platforms = allPlatforms ? .all : platform.isEmpty ? .host : try PlatformSelection.parse(platform)
            } catch let error as BerthError {
                throw ValidationError(error.message)
            }
            let registryClient = try registry.makeClient()
            defer { Task { try? await registryClient.shutdown() } }
            let progress = quiet ? nil : PullProgress()
            try await global.withClient { client in
                try await client.withTemporaryLease { leased in
                    let result = try await PullProgress.drawing(progress) { continuation in
                        try await ImagePuller(
                            client: registryClient, sink: RemoteContentSink(client: leased),
                            options: .init(platforms: platforms, maxConcurrentDownloads: maxConcurrentDownloads)
                        ).pull(parsed, progress: continuation)
                    }
                    progress?.finish(bytes: result.bytesFetched)
                    let target = Containerd_Types_Descriptor.with {
                        $0.mediaType = result.root.mediaType
                        $0.digest = result.root.digest
                        $0.size = result.root.size
                    }
                    // The image is named only once everything it needs is stored.
                    try await Self.createOrUpdate(leased, name: result.name, target: target)
                    if unpack {
                        let platform = HostPlatform.formatted
                        if !quiet { print("unpacking \(platform) \(result.root.digest)...") }
                        let started = Date()
                        try await leased.unpack(target, platform: platform, snapshotter: snapshotter.resolved)
                        if !quiet { print("done: \(Units.humanDuration(Date().timeIntervalSince(started)))") }
                    }
                    if quiet { print(result.root.digest) }
                }
            }
        }

        static func createOrUpdate(_ client: BerthClient, name: String, target: Containerd_Types_Descriptor) async throws {
            do {
                try await client.createImage(.with {
                    $0.name = name
                    $0.target = target
                })
            } catch let error as RPCError where error.code == .alreadyExists {
                var image = try await client.image(name)
                image.target = target
                try await client.replaceImageTarget(image)
            }
        }
    }
}
