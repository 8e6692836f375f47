import BerthAPI
import BerthCore
import GRPCCore
import Metadata

/// berth.services.admin.v1.Admin: the consistency check of the stores, for `berth admin check`.
public struct AdminService: Berth_Services_Admin_V1_Admin.SimpleServiceProtocol {
    let check: ConsistencyCheck

    public init(check: ConsistencyCheck) {
        self.check = check
    }

    public func check(
        request: Berth_Services_Admin_V1_CheckRequest, context: ServerContext
    ) async throws -> Berth_Services_Admin_V1_CheckResponse {
        let report = try await offEventLoop { try await check.run(verifyContent: request.verifyContent) }
        return .with {
            $0.findings = report.findings.map { finding in
                .with {
                    $0.severity = finding.severity.rawValue
                    $0.kind = finding.kind
                    $0.namespace = finding.namespace
                    $0.subject = finding.subject
                    $0.detail = finding.detail
                }
            }
            $0.namespaces = Int64(report.namespaces)
            $0.blobRecords = Int64(report.blobRecords)
            $0.blobFiles = Int64(report.blobFiles)
            $0.blobsVerified = Int64(report.blobsVerified)
            $0.snapshots = Int64(report.snapshots)
            $0.images = Int64(report.images)
            $0.containers = Int64(report.containers)
            $0.leases = Int64(report.leases)
            $0.ingests = Int64(report.ingests)
        }
    }
}
