import NIOCore
import NIOHTTP1

/// Writes one response, possibly misbehaving (short bodies, stalls, dropped connections).
struct TestResponder: Sendable {
    let outbound: NIOAsyncChannelOutboundWriter<HTTPServerResponsePart>

    func head(_ status: HTTPResponseStatus, _ headers: [(String, String)] = []) async throws {
        try await outbound.write(.head(HTTPResponseHead(version: .http1_1, status: status, headers: HTTPHeaders(headers))))
    }

    func body(_ bytes: some Collection<UInt8>) async throws {
        try await outbound.write(.body(.byteBuffer(ByteBuffer(bytes: bytes))))
    }

    func end() async throws {
        try await outbound.write(.end(nil))
    }

    /// A whole response with Content-Length.
    func send(_ status: HTTPResponseStatus, _ headers: [(String, String)] = [], body: [UInt8] = [], headOnly: Bool = false) async throws {
        var all = headers
        if !all.contains(where: { $0.0.lowercased() == "content-length" }) { all.append(("Content-Length", "\(body.count)")) }
        try await head(status, all)
        if !headOnly, !body.isEmpty { try await self.body(body) }
        try await end()
    }
}
