import BerthCore
import GRPCCore

/// The one place where Berth's error kinds become gRPC status codes, as containerd's errdefs.ToGRPC does.
/// The message keeps containerd's shape, "<detail>: <kind>", which its clients strip and re-wrap.
extension BerthError: RPCErrorConvertible {
    public var rpcErrorCode: RPCError.Code {
        switch kind {
        case .unknown: .unknown
        case .invalidArgument: .invalidArgument
        case .notFound: .notFound
        case .alreadyExists: .alreadyExists
        case .failedPrecondition: .failedPrecondition
        case .unavailable: .unavailable
        case .notImplemented: .unimplemented
        case .aborted: .aborted
        case .canceled: .cancelled
        case .deadlineExceeded: .deadlineExceeded
        case .permissionDenied: .permissionDenied
        case .resourceExhausted: .resourceExhausted
        case .outOfRange: .outOfRange
        }
    }

    public var rpcErrorMessage: String {
        kind == .unknown ? message : "\(message): \(kind.rawValue)"
    }
}
