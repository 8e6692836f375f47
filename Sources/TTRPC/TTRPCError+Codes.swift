extension TTRPCError {
    /// The google.rpc (gRPC) status codes, as ttrpc carries them.
    public enum Code {
        public static let ok: Int32 = 0
        public static let canceled: Int32 = 1
        public static let unknown: Int32 = 2
        public static let invalidArgument: Int32 = 3
        public static let deadlineExceeded: Int32 = 4
        public static let notFound: Int32 = 5
        public static let alreadyExists: Int32 = 6
        public static let permissionDenied: Int32 = 7
        public static let resourceExhausted: Int32 = 8
        public static let failedPrecondition: Int32 = 9
        public static let aborted: Int32 = 10
        public static let outOfRange: Int32 = 11
        public static let unimplemented: Int32 = 12
        public static let `internal`: Int32 = 13
        public static let unavailable: Int32 = 14
        public static let dataLoss: Int32 = 15
        public static let unauthenticated: Int32 = 16

        /// grpc-go's name for a code, as in its error strings.
        public static func name(_ code: Int32) -> String {
            switch code {
            case ok: "OK"
            case canceled: "Canceled"
            case unknown: "Unknown"
            case invalidArgument: "InvalidArgument"
            case deadlineExceeded: "DeadlineExceeded"
            case notFound: "NotFound"
            case alreadyExists: "AlreadyExists"
            case permissionDenied: "PermissionDenied"
            case resourceExhausted: "ResourceExhausted"
            case failedPrecondition: "FailedPrecondition"
            case aborted: "Aborted"
            case outOfRange: "OutOfRange"
            case unimplemented: "Unimplemented"
            case `internal`: "Internal"
            case unavailable: "Unavailable"
            case dataLoss: "DataLoss"
            case unauthenticated: "Unauthenticated"
            default: "Code(\(code))"
            }
        }
    }

    /// ttrpc-go's ErrClosed: the connection is gone, so every outstanding and later call fails with it.
    public static let closed = TTRPCError(code: Code.unavailable, message: "ttrpc: closed")

    /// What a call's deadline passing looks like (Go's context.DeadlineExceeded).
    public static let deadlineExceeded = TTRPCError(
        code: Code.deadlineExceeded, message: "context deadline exceeded")

    /// The receiver's answer to a payload over messageLengthMax, worded as ttrpc-go's channel.recv.
    static func messageTooLarge(_ length: Int) -> TTRPCError {
        TTRPCError(
            code: Code.resourceExhausted,
            message: "message length \(length) exceed maximum message size of \(TTRPCFrameHeader.maxPayloadLength)")
    }
}
