/// Error kinds from google.rpc status codes, for answers from peers that speak them (shims over ttrpc),
/// as containerd's errdefs.FromGRPC reads them.
extension BerthError {
    public init(statusCode: Int32, message: String) {
        let kind: Kind =
            switch statusCode {
            case 1: .canceled
            case 3: .invalidArgument
            case 4: .deadlineExceeded
            case 5: .notFound
            case 6: .alreadyExists
            case 7: .permissionDenied
            case 8: .resourceExhausted
            case 9: .failedPrecondition
            case 10: .aborted
            case 11: .outOfRange
            case 12: .notImplemented
            case 14: .unavailable
            default: .unknown
            }
        // The peer already appended ": <kind>"; keep the detail only, so it is not said twice.
        let suffix = ": \(kind.rawValue)"
        let detail = kind != .unknown && message.hasSuffix(suffix) ? String(message.dropLast(suffix.count)) : message
        self.init(kind, detail)
    }
}
