import Glibc

/// An error a Task method answers with: a google.rpc code and containerd's message shape (`what: kind`), so
/// the daemon maps it back to the same kind (BerthError(statusCode:message:) strips the suffix again).
public struct ShimError: Error, CustomStringConvertible {
    public enum Code: Int32, Sendable {
        case unknown = 2
        case invalidArgument = 3
        case notFound = 5
        case alreadyExists = 6
        case failedPrecondition = 9
        case unimplemented = 12
        case `internal` = 13
        case unavailable = 14

        /// The words containerd's errdefs append for the kind.
        var suffix: String {
            switch self {
            case .unknown: "unknown"
            case .invalidArgument: "invalid argument"
            case .notFound: "not found"
            case .alreadyExists: "already exists"
            case .failedPrecondition: "failed precondition"
            case .unimplemented: "not implemented"
            case .internal: "internal"
            case .unavailable: "unavailable"
            }
        }
    }

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// What travels in the ttrpc status.
    public var wireMessage: String { message + ": " + code.suffix }
    public var description: String { wireMessage }

    static func notFound(_ what: String) -> ShimError { ShimError(.notFound, what) }
    static func system(_ what: String, _ error: Int32 = errno) -> ShimError {
        ShimError(.unknown, "\(what): \(Sys.errorString(error))")
    }
}
