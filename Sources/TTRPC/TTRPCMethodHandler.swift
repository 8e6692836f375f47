import Foundation

/// A registered method with its message types erased: request payload in, response payload out.
typealias TTRPCMethodHandler = @Sendable (_ payload: Data, _ context: TTRPCRequestContext) async throws -> Data
