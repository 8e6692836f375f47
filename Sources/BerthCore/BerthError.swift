/// The one error type of Berth's stores and services, with containerd's error kinds (errdefs).
/// Services turn the kind into the matching gRPC status code in one place.
public struct BerthError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable, Equatable {
        case unknown
        case invalidArgument = "invalid argument"
        case notFound = "not found"
        case alreadyExists = "already exists"
        case failedPrecondition = "failed precondition"
        case unavailable
        case notImplemented = "not implemented"
        case aborted
        case canceled = "context canceled"
        case deadlineExceeded = "context deadline exceeded"
        case permissionDenied = "permission denied"
        case resourceExhausted = "resource exhausted"
        case outOfRange = "out of range"
    }

    public var kind: Kind
    public var message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    /// containerd wraps errors as "<detail>: <kind>"; clients print the message as is.
    public var description: String { message }

    public static func invalidArgument(_ message: String) -> BerthError { .init(.invalidArgument, message) }
    public static func notFound(_ message: String) -> BerthError { .init(.notFound, message) }
    public static func alreadyExists(_ message: String) -> BerthError { .init(.alreadyExists, message) }
    public static func failedPrecondition(_ message: String) -> BerthError { .init(.failedPrecondition, message) }
    public static func unavailable(_ message: String) -> BerthError { .init(.unavailable, message) }
    public static func notImplemented(_ message: String) -> BerthError { .init(.notImplemented, message) }
}
