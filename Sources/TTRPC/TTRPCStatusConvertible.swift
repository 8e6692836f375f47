/// An error that knows the ttrpc status it should travel as.
///
/// A handler that throws one answers with its code and message; anything else becomes Unknown (2).
/// Conform domain error types (e.g. Berth's) so that clients can tell NotFound from AlreadyExists.
public protocol TTRPCStatusConvertible: Error {
    var ttrpcCode: Int32 { get }
    var ttrpcMessage: String { get }
}

extension TTRPCError: TTRPCStatusConvertible {
    public var ttrpcCode: Int32 { code }
    public var ttrpcMessage: String { message }
}
