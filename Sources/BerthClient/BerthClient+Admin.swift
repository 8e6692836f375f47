import BerthAPI

public typealias ConsistencyCheckResult = Berth_Services_Admin_V1_CheckResponse

extension BerthClient {
    /// Asks berthd to compare its metadata with its stores (Berth's admin service; containerd has none).
    public func checkConsistency(verifyContent: Bool) async throws -> ConsistencyCheckResult {
        let admin = Berth_Services_Admin_V1_Admin.Client(wrapping: grpc)
        // No timeout: verifying content reads every blob.
        return try await admin.check(.with { $0.verifyContent = verifyContent }, metadata: metadata)
    }
}
