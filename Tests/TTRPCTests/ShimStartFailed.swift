/// `containerd-shim-runc-v2 start` exited non-zero or printed no socket address.
struct ShimStartFailed: Error, CustomStringConvertible {
    var output: String
    var description: String { "shim start failed: \(output)" }
}
