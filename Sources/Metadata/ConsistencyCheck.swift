import BerthCore
import ContentStore
import Foundation
import Snapshots

/// One disagreement between the metadata database and the stores on disk.
public struct ConsistencyFinding: Sendable, Equatable {
    public enum Severity: String, Sendable {
        /// An invariant is broken: a record names data that is not there, or data is there that nothing names.
        case error
        /// Legal through the API but worth a look (an image whose target was never written).
        case warning
    }

    public var severity: Severity
    /// A short kebab-case name of the rule, e.g. `blob-missing`.
    public var kind: String
    public var namespace: String
    public var subject: String
    public var detail: String

    public init(_ severity: Severity, _ kind: String, namespace: String = "", subject: String, detail: String) {
        self.severity = severity
        self.kind = kind
        self.namespace = namespace
        self.subject = subject
        self.detail = detail
    }
}

/// What a check looked at and what it found.
public struct ConsistencyReport: Sendable {
    public var findings: [ConsistencyFinding] = []
    public var namespaces = 0
    public var blobRecords = 0
    public var blobFiles = 0
    public var blobsVerified = 0
    public var snapshots = 0
    public var images = 0
    public var containers = 0
    public var leases = 0
    public var ingests = 0

    public var errors: [ConsistencyFinding] { findings.filter { $0.severity == .error } }
}

/// Compares the metadata database with the blob files and snapshot directories, as `fsck` does for a
/// filesystem. It changes nothing. Run it through `run`, which keeps commits and collections out meanwhile,
/// so a blob between its rename and its record is never taken for an orphan.
public struct ConsistencyCheck: Sendable {
    public let metadata: MetadataStore
    public let content: LocalContentStore
    public let drivers: [any SnapshotDriver]
    public let collector: GarbageCollector

    public init(metadata: MetadataStore, content: LocalContentStore, drivers: [any SnapshotDriver], collector: GarbageCollector) {
        self.metadata = metadata
        self.content = content
        self.drivers = drivers
        self.collector = collector
    }

    /// `verifyContent` hashes every blob again (reads all content).
    public func run(verifyContent: Bool = false) async throws -> ConsistencyReport {
        try await collector.exclusively {
            var report = ConsistencyReport()
            report.findings += try await metadata.integrityProblems()
            try await checkContent(verify: verifyContent, into: &report)
            for driver in drivers { try await checkSnapshots(driver, into: &report) }
            try await checkReferences(into: &report)
            return report
        }
    }

    private func checkContent(verify: Bool, into report: inout ConsistencyReport) async throws {
        let files = Dictionary(try content.allBlobs().map { ($0.digest, $0.size) }, uniquingKeysWith: { first, _ in first })
        report.blobFiles = files.count
        var recorded = Set<Digest>()
        for namespace in try await metadata.listNamespaces() {
            for blob in try await metadata.blobs(namespace: namespace.name) {
                report.blobRecords += 1
                recorded.insert(blob.digest)
                guard let size = files[blob.digest] else {
                    report.findings.append(.init(.error, "blob-missing", namespace: namespace.name,
                                                 subject: "\(blob.digest)", detail: "recorded, but its file is not in the store"))
                    continue
                }
                if size != blob.size {
                    report.findings.append(.init(.error, "blob-size", namespace: namespace.name, subject: "\(blob.digest)",
                                                 detail: "recorded as \(blob.size) bytes, the file has \(size)"))
                }
            }
        }
        for digest in files.keys.sorted() {
            if !recorded.contains(digest) {
                report.findings.append(.init(.error, "blob-orphan", subject: "\(digest)",
                                             detail: "a file in the store that no namespace records"))
            } else if verify {
                report.blobsVerified += 1
                if try !content.verify(digest) {
                    report.findings.append(.init(.error, "blob-digest", subject: "\(digest)",
                                                 detail: "the file's bytes do not hash to its name"))
                }
            }
        }
        report.ingests = try content.listStatuses().count
        for leftover in try content.ingestLeftovers() {
            report.findings.append(.init(.warning, "ingest-leftover", subject: leftover,
                                         detail: "an ingest directory without data (removed at the next start)"))
        }
    }

    private func checkSnapshots(_ driver: any SnapshotDriver, into report: inout ConsistencyReport) async throws {
        let records = try await metadata.allSnapshots(snapshotter: driver.name)
        let directories = Set(try driver.existingIDs())
        report.snapshots += records.count
        var byKey: [String: SnapshotRecord] = [:]
        for (namespace, record) in records { byKey[namespace + "\u{0}" + record.key] = record }
        for (namespace, record) in records {
            let subject = "\(driver.name)/\(record.key)"
            if !directories.contains(record.id) {
                report.findings.append(.init(.error, "snapshot-missing", namespace: namespace, subject: subject,
                                             detail: "recorded (id \(record.id)), but it has no directory"))
            }
            if let parent = record.parent {
                guard let parentRecord = byKey[namespace + "\u{0}" + parent] else {
                    report.findings.append(.init(.error, "snapshot-parent", namespace: namespace, subject: subject,
                                                 detail: "its parent \(parent) is not recorded"))
                    continue
                }
                if parentRecord.kind != .committed {
                    report.findings.append(.init(.error, "snapshot-parent", namespace: namespace, subject: subject,
                                                 detail: "its parent \(parent) is not committed"))
                }
            }
        }
        let recordedIDs = Set(records.map(\.record.id))
        for id in directories.sorted() where !recordedIDs.contains(id) {
            report.findings.append(.init(.error, "snapshot-orphan", subject: "\(driver.name)/\(id)",
                                         detail: "a directory that no record names"))
        }
    }

    /// Images and containers may name what is not there through the API (containerd allows it too), so these
    /// are warnings: a crash alone must not produce them.
    private func checkReferences(into report: inout ConsistencyReport) async throws {
        let snapshotters = Set(drivers.map(\.name))
        for namespace in try await metadata.listNamespaces() {
            report.namespaces += 1
            report.leases += try await metadata.leases(namespace: namespace.name).count
            for image in try await metadata.images(namespace: namespace.name) {
                report.images += 1
                if try await metadata.blob(namespace: namespace.name, digest: image.target.digest) == nil {
                    report.findings.append(.init(.warning, "image-target-missing", namespace: namespace.name,
                                                 subject: image.name, detail: "its target \(image.target.digest) is not in the namespace"))
                }
            }
            for container in try await metadata.containers(namespace: namespace.name) {
                report.containers += 1
                guard !container.snapshotKey.isEmpty, snapshotters.contains(container.snapshotter) else { continue }
                let exists = (try? await metadata.snapshot(
                    namespace: namespace.name, snapshotter: container.snapshotter, key: container.snapshotKey)) != nil
                if !exists {
                    report.findings.append(.init(.warning, "container-snapshot-missing", namespace: namespace.name,
                                                 subject: container.id,
                                                 detail: "its snapshot \(container.snapshotter)/\(container.snapshotKey) does not exist"))
                }
            }
        }
    }
}
