import BerthCore

/// Task.checkCancellation with Berth's error, so services map it to CANCELLED.
func checkCancellation() throws {
    if Task.isCancelled { throw BerthError(.canceled, "operation canceled") }
}
