import Synchronization

/// Counts calls of an override so it can misbehave only on the first few.
final class Counter: Sendable {
    private let value = Mutex(0)
    /// The count after this call (1 for the first).
    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
