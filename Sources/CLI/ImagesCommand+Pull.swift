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

    /// The same options for the daemon's pull: the credentials this user has for the reference's registry
    /// (from `--user` or the Docker config) travel with the request, since the daemon runs as someone else.
    func message(for reference: Reference) throws -> Berth_Services_Transfer_V1_RegistryOptions {
        let credential: Credential?
        if let user {
            credential = try Credential(userFlag: user)
        } else {
            credential = ((try? DockerConfigCredentials.load()) ?? DockerConfigCredentials(credentials: [:]))
                .credential(for: reference.domain)
        }
        return .with {
            $0.plainHTTP = plainHTTP
            $0.skipVerify = skipVerify
            $0.hostsDir = hostsDir
            if let credential {
                $0.credentials = [.with {
                    $0.host = reference.domain
                    $0.username = credential.username
                    $0.secret = credential.secret
                }]
            }
        }
    }
}

extension ImagesCommand {
    /// `berth images pull`: has berthd pull the image (it keeps going if this command is interrupted, and names
    /// the image only when everything is stored and unpacked) while drawing its progress. Against a daemon
    /// without Berth's transfer service (containerd), or with `--local`, pulls here through the content
    /// service under a lease, as ctr does, then unpacks.
    struct Pull: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "pull", abstract: "Pull an image from a registry and unpack it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var registry: RegistryOptions
        @OptionGroup var snapshotter: SnapshotterOption
        @Option(help: "Pull content for this platform (repeatable; default the host's).") var platform: [String] = []
        @Flag(name: .customLong("all-platforms"), help: "Pull content for all platforms.") var allPlatforms = false
        @Option(name: .customLong("max-concurrent-downloads"), help: "Layers downloaded at once.") var maxConcurrentDownloads = 3
        @Option(help: "Unpack the image into snapshots (true or false).") var unpack = true
        @Flag(help: "Pull in this process through the content service (as ctr does) instead of in the daemon.")
        var local = false
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
            try await global.withClient { client in
                if !local {
                    do {
                        return try await pullInDaemon(client, parsed)
                    } catch let error as RPCError where error.code == .unimplemented {
                        if !quiet { print("the daemon cannot pull by itself; pulling through its content service") }
                    }
                }
                try await pullHere(client, parsed, platforms: platforms)
            }
        }

        private func pullInDaemon(_ client: BerthClient, _ parsed: Reference) async throws {
            let request = try PullRequest.with {
                $0.reference = parsed.string
                $0.platforms = platform
                $0.allPlatforms = allPlatforms
                $0.maxConcurrentDownloads = Int32(maxConcurrentDownloads)
                $0.unpack = unpack
                $0.snapshotter = snapshotter.resolved
                $0.registry = try registry.message(for: parsed)
            }
            let progress = quiet ? nil : PullProgress()
            let result = try await PullProgress.drawing(progress) { continuation in
                try await client.pullInDaemon(request) { message in
                    for blob in message.blobs { continuation.yield(TransferProgress(blob)) }
                }
            }
            progress?.finish(bytes: result.bytesFetched)
            if quiet {
                print(result.target.digest)
            } else if !result.chainID.isEmpty {
                print("unpacked \(result.name) (\(result.snapshotter)): \(result.layersStreamed) layers applied while downloading, \(result.layersAppliedAfter) after")
            }
        }

        private func pullHere(_ client: BerthClient, _ parsed: Reference, platforms: PlatformSelection) async throws {
            let registryClient = try registry.makeClient()
            defer { Task { try? await registryClient.shutdown() } }
            let progress = quiet ? nil : PullProgress()
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

extension TransferProgress {
    /// A blob line of the daemon's pull progress, in the terms the display draws.
    init(_ blob: Berth_Services_Transfer_V1_BlobProgress) {
        let descriptor = blob.hasDescriptor
            ? OCIDescriptor(mediaType: blob.descriptor.mediaType, digest: blob.descriptor.digest, size: blob.descriptor.size)
            : nil
        let status: Status
        switch blob.status {
        case .resolving: status = .resolving
        case .resolved: status = .resolved
        case .waiting: status = .waiting
        case .downloading: status = .downloading(offset: blob.offset, total: blob.total)
        case .done: status = .done
        case .exists: status = .exists
        case .unknown, .UNRECOGNIZED: status = .waiting
        }
        self.init(ref: blob.ref, descriptor: descriptor, status: status)
    }
}
