/// Runs `body` on Swift's global executor instead of the event loop that serves the RPC (RPCs run on their
/// connection's loop, see `UnixGRPCTransport.EventLoopTaskExecutor`). For work that blocks on the disk for
/// longer than a moment: syncing a blob, removing snapshot trees, a collection, hashing every blob, writing a
/// task's bundle and spawning its shim. On the loop it would hold up every other RPC the loop serves.
public func offEventLoop<T: Sendable, Failure: Error>(_ body: () async throws(Failure) -> T) async throws(Failure) -> T {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: body)
}
