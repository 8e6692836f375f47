import ContentStore
import Logging
import Metadata
import Snapshots

extension Daemon {
    /// Before serving: what a crash between a record change and its files left is settled, so no client sees
    /// it. Orphan blob files go with the first collection, which follows.
    static func settleCrashLeftovers(
        blobs: LocalContentStore, snapshots: NamespacedSnapshots, drivers: [any SnapshotDriver], logger: Logger
    ) async throws {
        let ingests = try blobs.removeIngestLeftovers()
        if ingests > 0 { logger.info("removed ingest leftovers", metadata: ["directories": "\(ingests)"]) }
        for driver in drivers {
            let removed = try await snapshots.cleanup(snapshotter: driver.name)
            if removed.directories + removed.records > 0 {
                logger.info("removed snapshot leftovers", metadata: [
                    "snapshotter": "\(driver.name)", "directories": "\(removed.directories)",
                    "records": "\(removed.records)",
                ])
            }
        }
    }
}
