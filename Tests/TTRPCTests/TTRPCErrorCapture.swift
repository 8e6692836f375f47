import TTRPC

/// The TTRPCError a call threw, or nil if it threw something else or nothing.
func ttrpcError(_ body: () async throws -> Void) async -> TTRPCError? {
    do {
        try await body()
        return nil
    } catch let error as TTRPCError {
        return error
    } catch {
        return nil
    }
}
