import AsyncHTTPClient
import BerthCore
import Foundation

/// The distribution spec's error body, `{"errors":[{"code":"MANIFEST_UNKNOWN","message":"..."}]}`,
/// turned with the status into a BerthError.
struct RegistryErrorResponse: Decodable {
    struct Entry: Decodable {
        var code: String?
        var message: String?
    }

    var errors: [Entry]?

    /// The error for a failed call; `what` says what was being done ("resolving docker.io/library/alpine:latest").
    static func error(_ response: HTTPClientResponse, _ what: String) async -> BerthError {
        let body = (try? await response.body.collect(upTo: 1 << 16)).map { Array($0.readableBytesView) } ?? []
        return error(status: response.status.code, reason: response.status.reasonPhrase, body: body, what)
    }

    static func error(status: UInt, reason: String, body: [UInt8], _ what: String) -> BerthError {
        var detail = ""
        if let parsed = try? JSONDecoder().decode(RegistryErrorResponse.self, from: Data(body)),
           let entries = parsed.errors, !entries.isEmpty
        {
            detail = entries.map { entry in
                [entry.code, entry.message].compactMap { $0 }.joined(separator: ": ")
            }.joined(separator: "; ")
        }
        let message = "\(what): \(status) \(reason)" + (detail.isEmpty ? "" : " (\(detail))")
        switch status {
        case 404: return .notFound(message)
        case 401, 403: return BerthError(.permissionDenied, message)
        case 400: return .invalidArgument(message)
        case 405, 501: return .notImplemented(message)
        case 409: return .alreadyExists(message)
        case 413, 416: return BerthError(.outOfRange, message)
        case 429, 500...599: return .unavailable(message)
        default: return BerthError(.unknown, message)
        }
    }
}
