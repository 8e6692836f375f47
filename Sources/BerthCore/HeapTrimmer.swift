import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// glibc keeps the memory a large transfer freed in its arenas (one per thread that allocated); asking it to
/// give that back once the transfer is over keeps the daemon's idle footprint at its starting size.
/// Requests within a second are coalesced into one `malloc_trim`.
public enum HeapTrimmer {
    private static let scheduled = Mutex(false)

    public static func trimSoon() {
        #if canImport(Glibc)
        let alreadyScheduled = scheduled.withLock { scheduled in
            defer { scheduled = true }
            return scheduled
        }
        guard !alreadyScheduled else { return }
        Task.detached(priority: .background) {
            try? await Task.sleep(for: .seconds(1))
            scheduled.withLock { $0 = false }
            _ = mallocTrim?(0)
        }
        #endif
    }

    #if canImport(Glibc)
    /// glibc's malloc_trim, which Swift's Glibc module does not export (it lives in malloc.h).
    private static let mallocTrim: (@convention(c) (Int) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int) -> Int32).self)
    }()
    #endif
}
