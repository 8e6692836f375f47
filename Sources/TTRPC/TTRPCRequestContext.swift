/// What a server handler learns about the call besides its request message.
public struct TTRPCRequestContext: Sendable {
    public var service: String
    public var method: String
    /// Key/value pairs in the order sent; a key may repeat (containerd sends `containerd-namespace`).
    public var metadata: [(String, String)]
    /// When the client's timeout passes. The handler's task is cancelled then; it need not check this itself.
    public var deadline: ContinuousClock.Instant?

    public init(
        service: String = "", method: String = "", metadata: [(String, String)] = [],
        deadline: ContinuousClock.Instant? = nil
    ) {
        self.service = service
        self.method = method
        self.metadata = metadata
        self.deadline = deadline
    }
}
