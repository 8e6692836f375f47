import BerthCore
import Distribution
import Foundation
import Logging
import Tracing
import Metadata
import OCI

/// What to pull and how: the daemon-side equivalent of ctr's pull flags.
public struct PullRequestOptions: Sendable, Hashable {
    public var reference: Reference
    public var platforms: PlatformSelection
    public var maxConcurrentDownloads: Int
    public var unpack: Bool
    public var snapshotter: String
    public var plainHTTP: Bool
    public var skipVerify: Bool
    public var hostsDirectory: String
    /// Credentials by registry host.
    public var credentials: [String: Credential]

    public init(
        reference: Reference, platforms: PlatformSelection = .host, maxConcurrentDownloads: Int = 3, unpack: Bool = true,
        snapshotter: String, plainHTTP: Bool = false, skipVerify: Bool = false,
        hostsDirectory: String = RegistryHosts.defaultConfigDirectory, credentials: [String: Credential] = [:]
    ) {
        self.reference = reference
        self.platforms = platforms
        self.maxConcurrentDownloads = maxConcurrentDownloads
        self.unpack = unpack
        self.snapshotter = snapshotter
        self.plainHTTP = plainHTTP
        self.skipVerify = skipVerify
        self.hostsDirectory = hostsDirectory
        self.credentials = credentials
    }
}

/// The daemon's image pulls: each runs once per namespace and request however many clients ask for it,
/// under a lease of its own, and names the image only when everything it needs is stored (and unpacked).
public actor ImageTransfers {
    public struct Stores: Sendable {
        public let metadata: MetadataStore
        public let content: NamespacedContent
        public let snapshots: NamespacedSnapshots

        public init(metadata: MetadataStore, content: NamespacedContent, snapshots: NamespacedSnapshots) {
            self.metadata = metadata
            self.content = content
            self.snapshots = snapshots
        }
    }

    private struct Key: Hashable {
        var namespace: String
        var options: PullRequestOptions
    }

    /// How long an interrupted pull's lease keeps its content (ctr uses a day as well).
    static let leaseLifetime: TimeInterval = 24 * 3600

    let stores: Stores
    let events: any TransferEvents
    let logger: Logger
    private var running: [Key: PullJob] = [:]

    public init(stores: Stores, events: any TransferEvents, logger: Logger) {
        self.stores = stores
        self.events = events
        self.logger = logger
    }

    /// The running pull for these options in the namespace, or a new one.
    public func pull(namespace: String, _ options: PullRequestOptions) throws -> PullJob {
        try Identifiers.validate(namespace)
        _ = try stores.snapshots.driver(options.snapshotter)
        let key = Key(namespace: namespace, options: options)
        if let job = running[key] { return job }
        let job = PullJob()
        running[key] = job
        let stores = stores, events = events, logger = logger
        job.start { job in
            defer { Task { await self.finished(key) } }
            return try await Self.run(job, namespace: namespace, options, stores: stores, events: events, logger: logger)
        }
        return job
    }

    private func finished(_ key: Key) {
        running[key] = nil
    }

    private static func run(
        _ job: PullJob, namespace: String, _ options: PullRequestOptions, stores: Stores, events: any TransferEvents,
        logger: Logger
    ) async throws -> PullOutcome {
        // A host without credentials of its own (a mirror, docker.io's registry-1) gets the reference's
        // registry's, as the client-side pull with `--user` does.
        let credentials = options.credentials, domain = options.reference.domain
        let registry = RegistryClient(
            hosts: RegistryHosts(
                configDirectory: options.hostsDirectory, plainHTTP: options.plainHTTP, skipVerify: options.skipVerify),
            credentials: { host in credentials[host] ?? credentials[domain] }, logger: logger)
        let lease = try await stores.metadata.createLease(
            namespace: namespace, id: Self.leasePrefix + UUID().uuidString.lowercased(),
            labels: [GCLabels.expire: Self.expiry()])
        do {
            let started = ContinuousClock.now
            // The job runs in a task of its own; the span is a child of the request that started it.
            let outcome = try await withSpan("berth.transfer.pull") { span in
                span.attributes["containerd.namespace"] = namespace
                span.attributes["berth.pull.reference"] = "\(options.reference)"
                let outcome = try await pull(
                    job, namespace: namespace, options, lease: lease.id, registry: registry, stores: stores, events: events)
                span.attributes["berth.pull.bytes_fetched"] = Int(clamping: outcome.bytesFetched)
                return outcome
            }
            PullMetrics.completed(outcome, since: started)
            try? await registry.shutdown()
            try? await stores.metadata.deleteLease(namespace: namespace, id: lease.id)
            return outcome
        } catch {
            try? await registry.shutdown()
            // Without its lease nothing of the failed pull stays but the resumable ingests.
            try? await stores.metadata.deleteLease(namespace: namespace, id: lease.id)
            logger.warning("pull failed", metadata: ["ref": "\(options.reference)", "error": "\(error)"])
            PullMetrics.failed()
            throw error
        }
    }

    private static func pull(
        _ job: PullJob, namespace: String, _ options: PullRequestOptions, lease: String, registry: RegistryClient,
        stores: Stores, events: any TransferEvents
    ) async throws -> PullOutcome {
        let unpacker = options.unpack
            ? try LayerUnpacker(.init(
                namespace: namespace, snapshotter: options.snapshotter, lease: lease, content: stores.content,
                snapshots: stores.snapshots, events: events))
            : nil
        var pullOptions = ImagePuller.Options(
            platforms: options.platforms, maxConcurrentDownloads: options.maxConcurrentDownloads)
        if let unpacker {
            pullOptions.layerObserver = { layer in try await unpacker.consume(layer) }
            pullOptions.manifestsStored = { manifests in try await unpacker.plan(manifests: manifests) }
        }
        let puller = ImagePuller(
            client: registry, sink: LocalContentSink(content: stores.content, namespace: namespace, lease: lease),
            options: pullOptions)
        do {
            let (progress, reports) = AsyncStream.makeStream(of: TransferProgress.self)
            async let forwarded: Void = forward(progress, to: job)
            let result = try await puller.pull(options.reference, progress: reports)
            await forwarded
            job.setPhase("unpacking")
            let unpacked = try await unpacker?.commit(manifests: result.manifests)
            let target = try Descriptor(
                mediaType: result.root.mediaType, digest: Digest(parsing: result.root.digest), size: result.root.size)
            CrashPoint.reach("pull.before-image")
            try await storeImage(namespace: namespace, name: result.name, target: target, stores: stores, events: events)
            return PullOutcome(
                image: result.name, target: target, bytesFetched: result.bytesFetched, chainID: unpacked?.chainID,
                snapshotter: options.snapshotter, layersStreamed: unpacked?.streamed ?? 0,
                layersAppliedAfter: unpacked?.appliedAfter ?? 0)
        } catch {
            await unpacker?.discardLeftovers()
            throw error
        }
    }

    private static func forward(_ progress: AsyncStream<TransferProgress>, to job: PullJob) async {
        for await update in progress { job.report(update) }
    }

    /// Creates the image, or points an existing one at the new target (as ctr does).
    private static func storeImage(
        namespace: String, name: String, target: Descriptor, stores: Stores, events: any TransferEvents
    ) async throws {
        do {
            let created = try await stores.metadata.createImage(namespace: namespace, ImageRecord(name: name, target: target))
            await events.imageCreated(namespace: namespace, created)
        } catch let error as BerthError where error.kind == .alreadyExists {
            let updated = try await stores.metadata.updateImage(
                namespace: namespace, name: name, labels: [:], target: target, paths: ["target"])
            await events.imageUpdated(namespace: namespace, updated)
        }
    }

    static func expiry() -> String {
        Date().addingTimeInterval(leaseLifetime).formatted(.iso8601)
    }
}
