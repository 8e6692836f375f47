import BerthAPI
import BerthCore
import Distribution
import GRPCCore
import Metadata
import OCI
import Transfer

/// berth.services.transfer.v1.Transfer: pulls that berthd runs itself. The stream only watches the pull:
/// when the client goes away the pull goes on and names the image when it is complete.
public struct TransferService: Berth_Services_Transfer_V1_Transfer.ServiceProtocol {
    public typealias API = Berth_Services_Transfer_V1_Transfer
    let transfers: ImageTransfers
    let defaultSnapshotter: String

    public init(transfers: ImageTransfers, defaultSnapshotter: String) {
        self.transfers = transfers
        self.defaultSnapshotter = defaultSnapshotter
    }

    public func pull(
        request: ServerRequest<API.Method.Pull.Input>, context: ServerContext
    ) async throws -> StreamingServerResponse<API.Method.Pull.Output> {
        let namespace = try request.metadata.requiredNamespace()
        let options = try pullOptions(request.message)
        let job = try await transfers.pull(namespace: namespace, options)
        return StreamingServerResponse { writer in
            var sent: PullJob.Snapshot?
            for await _ in job.changes() {
                let snapshot = job.snapshot()
                guard snapshot != sent else { continue }
                try await writer.write(.init(snapshot))
                sent = snapshot
            }
            // A client that went away stops watching here; the job goes on without it.
            try Task.checkCancellation()
            let outcome = try await job.outcome()
            var last = API.Method.Pull.Output(job.snapshot())
            last.result = .init(outcome)
            try await writer.write(last)
            return [:]
        }
    }

    func pullOptions(_ message: Berth_Services_Transfer_V1_PullRequest) throws -> PullRequestOptions {
        let reference = try Reference(parsing: message.reference)
        let platforms: PlatformSelection
        if message.allPlatforms {
            guard message.platforms.isEmpty else {
                throw BerthError.invalidArgument("platforms and all_platforms cannot be combined")
            }
            platforms = .all
        } else {
            platforms = message.platforms.isEmpty ? .host : try PlatformSelection.parse(message.platforms)
        }
        guard message.maxConcurrentDownloads >= 0 else {
            throw BerthError.invalidArgument("max_concurrent_downloads must not be negative")
        }
        let registry = message.registry
        var credentials: [String: Credential] = [:]
        for credential in registry.credentials {
            credentials[credential.host] = Credential(username: credential.username, secret: credential.secret)
        }
        return PullRequestOptions(
            reference: reference, platforms: platforms,
            maxConcurrentDownloads: message.maxConcurrentDownloads == 0 ? 3 : Int(message.maxConcurrentDownloads),
            unpack: message.unpack, snapshotter: message.snapshotter.isEmpty ? defaultSnapshotter : message.snapshotter,
            plainHTTP: registry.plainHTTP, skipVerify: registry.skipVerify,
            hostsDirectory: registry.hostsDir.isEmpty ? RegistryHosts.defaultConfigDirectory : registry.hostsDir,
            credentials: credentials)
    }
}

extension Berth_Services_Transfer_V1_PullProgress {
    init(_ snapshot: PullJob.Snapshot) {
        self.init()
        blobs = snapshot.blobs.map(Berth_Services_Transfer_V1_BlobProgress.init)
        phase = snapshot.phase
    }
}

extension Berth_Services_Transfer_V1_BlobProgress {
    init(_ progress: TransferProgress) {
        self.init()
        ref = progress.ref
        if let descriptor = progress.descriptor {
            self.descriptor = .with {
                $0.mediaType = descriptor.mediaType
                $0.digest = descriptor.digest
                $0.size = descriptor.size
            }
            total = descriptor.size
        }
        switch progress.status {
        case .resolving: status = .resolving
        case .resolved: status = .resolved
        case .waiting: status = .waiting
        case .downloading(let offset, let total), .uploading(let offset, let total):
            status = .downloading
            self.offset = offset
            self.total = total
        case .done:
            status = .done
            offset = total
        case .exists, .mounted:
            status = .exists
            offset = total
        }
    }
}

extension Berth_Services_Transfer_V1_PullResult {
    init(_ outcome: PullOutcome) {
        self.init()
        name = outcome.image
        target = .init(outcome.target)
        bytesFetched = outcome.bytesFetched
        chainID = outcome.chainID ?? ""
        snapshotter = outcome.snapshotter
        layersStreamed = Int32(outcome.layersStreamed)
        layersAppliedAfter = Int32(outcome.layersAppliedAfter)
    }
}
