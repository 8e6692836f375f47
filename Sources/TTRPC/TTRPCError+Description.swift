extension TTRPCError: CustomStringConvertible {
    /// Worded as grpc-go's status errors, which is what containerd logs and users already know.
    public var description: String {
        "ttrpc error: code = \(Code.name(code)) desc = \(message)"
    }
}
