import TTRPC

/// A domain error that chooses its own ttrpc status.
struct ExistsError: Error, TTRPCStatusConvertible {
    var name: String
    var ttrpcCode: Int32 { TTRPCError.Code.alreadyExists }
    var ttrpcMessage: String { "\(name): already exists" }
}
