import Foundation
import NIOHTTP1

/// A request as a test server sees it.
struct TestRequest: Sendable {
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders
    var body: [UInt8]

    var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }

    /// Query parameters (repeated names kept in order).
    var query: [(String, String)] {
        guard let mark = uri.firstIndex(of: "?") else { return [] }
        return uri[uri.index(after: mark)...].split(separator: "&").map { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? String($0) }
            return (parts[0], parts.count > 1 ? parts[1] : "")
        }
    }
}
