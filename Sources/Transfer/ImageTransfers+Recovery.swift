import BerthCore
import Metadata

extension ImageTransfers {
    static let leasePrefix = "berth-pull-"

    /// After a crash: the pulls a previous daemon ran are gone with it. Their half-applied layers (active
    /// `extract-` snapshots) are removed, so nothing half-unpacked stays visible; their leases stay until they
    /// expire, keeping the blobs and ingests a new pull of the same image resumes from.
    /// Returns how many snapshots were removed.
    @discardableResult
    public func removeInterruptedUnpacks() async -> Int {
        var removed = 0
        for namespace in (try? await stores.metadata.listNamespaces()) ?? [] {
            let leases = (try? await stores.metadata.leases(namespace: namespace.name)) ?? []
            for lease in leases where lease.id.hasPrefix(Self.leasePrefix) {
                let resources = (try? await stores.metadata.leaseResources(namespace: namespace.name, lease: lease.id)) ?? []
                for resource in resources where resource.type.hasPrefix("snapshots/") && resource.id.hasPrefix("extract-") {
                    let snapshotter = String(resource.type.dropFirst("snapshots/".count))
                    guard let record = try? await stores.snapshots.stat(
                        namespace: namespace.name, snapshotter: snapshotter, key: resource.id),
                        record.kind == .active
                    else { continue }
                    do {
                        try await stores.snapshots.remove(namespace: namespace.name, snapshotter: snapshotter, key: resource.id)
                        await events.snapshotRemoved(namespace: namespace.name, key: resource.id)
                        removed += 1
                    } catch {
                        logger.warning("removing an interrupted unpack failed", metadata: [
                            "snapshot": "\(resource.id)", "error": "\(error)",
                        ])
                    }
                }
            }
        }
        return removed
    }
}
