/// Runs `body` on Swift's global executor instead of the event loop that serves the RPC (RPCs run on their
/// connection's loop, see `UnixGRPCTransport.EventLoopTaskExecutor`). For work that blocks on the disk for
/// longer than a moment: syncing a blob, removing snapshot trees, a collection, hashing every blob. On the
/// loop it would hold up every other RPC the loop serves.
func offEventLoop<T: Sendable>(_ body: () async throws -> T) async throws -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: body)
}
