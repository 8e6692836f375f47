#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs blocking work (extracting or writing a layer: disk I/O, compression) on a thread of its own, so that it
/// holds neither a cooperative-pool thread nor an event loop while it waits for the disk or for bytes.
public enum BlockingThread {
    public static func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let work = Unmanaged.passRetained(Work { continuation.resume(with: Result { try body() }) })
            var thread = pthread_t()
            let created = pthread_create(&thread, nil, { context in
                guard let context else { return nil }
                Unmanaged<Work>.fromOpaque(context).takeRetainedValue().body()
                return nil
            }, work.toOpaque())
            if created == 0 {
                pthread_detach(thread)
            } else {
                work.release()
                continuation.resume(throwing: BerthError(.resourceExhausted, "cannot start a thread (error \(created))"))
            }
        }
    }

    private final class Work {
        let body: () -> Void
        init(_ body: @escaping () -> Void) { self.body = body }
    }
}
