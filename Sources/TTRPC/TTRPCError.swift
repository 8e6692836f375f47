/// A non-OK ttrpc status: a google.rpc code and its message.
///
/// Calls throw it for statuses the server sent and for local failures (closed connection, deadline);
/// handlers throw it to choose the status the client sees.
public struct TTRPCError: Error, Sendable, Hashable {
    public var code: Int32
    public var message: String

    public init(code: Int32, message: String) {
        self.code = code
        self.message = message
    }
}
