import BerthCore
import Distribution
import Foundation
import NIOHTTP1
import Synchronization

/// The distribution API over a FakeImage in repository `test/image` (tag `latest`), with a log of
/// requests. Tests wrap `respond` to misbehave on chosen requests.
final class FakeRegistry: Sendable {
    static let repository = "test/image"

    struct Logged: Sendable {
        var method: HTTPMethod
        var path: String
        var range: String?
        var authorization: String?
    }

    let image: FakeImage
    private let log = Mutex<[Logged]>([])

    init(image: FakeImage) {
        self.image = image
    }

    var requests: [Logged] { log.withLock { $0 } }

    func record(_ request: TestRequest) {
        log.withLock {
            $0.append(Logged(
                method: request.method, path: request.path, range: request.headers.first(name: "Range"),
                authorization: request.headers.first(name: "Authorization")))
        }
    }

    /// Requests for a path ending in `suffix` (e.g. the layer digest).
    func count(_ suffix: String, method: HTTPMethod = .GET) -> Int {
        requests.filter { $0.method == method && $0.path.hasSuffix(suffix) }.count
    }

    /// The well-behaved answer.
    func respond(_ request: TestRequest, _ responder: TestResponder) async throws -> AfterResponse {
        let path = request.path
        let head = request.method == .HEAD
        if path == "/v2/" || path == "/v2" {
            try await responder.send(.ok, [("Content-Type", "application/json")], body: Array("{}".utf8))
            return .keepAlive
        }
        let prefix = "/v2/\(Self.repository)/"
        guard path.hasPrefix(prefix) else { return try await notFound(responder) }
        let rest = path.dropFirst(prefix.count)
        if rest.hasPrefix("manifests/") {
            let object = rest.dropFirst("manifests/".count)
            guard object == "latest" || object == image.manifestDescriptor.digest else { return try await notFound(responder) }
            try await responder.send(.ok, [
                ("Content-Type", image.manifestDescriptor.mediaType),
                ("Docker-Content-Digest", image.manifestDescriptor.digest),
                ("Content-Length", "\(image.manifest.count)"),
            ], body: image.manifest, headOnly: head)
            return .keepAlive
        }
        if rest.hasPrefix("blobs/") {
            let digest = String(rest.dropFirst("blobs/".count))
            guard let bytes = image.blob(digest) else { return try await notFound(responder) }
            try await serveBlob(bytes, digest: digest, request: request, responder)
            return .keepAlive
        }
        return try await notFound(responder)
    }

    /// A blob with Range support.
    func serveBlob(_ bytes: [UInt8], digest: String, request: TestRequest, _ responder: TestResponder) async throws {
        let head = request.method == .HEAD
        if let range = request.headers.first(name: "Range"), range.hasPrefix("bytes="),
           let start = Int(range.dropFirst(6).split(separator: "-").first ?? ""), start < bytes.count
        {
            try await responder.send(.partialContent, [
                ("Content-Range", "bytes \(start)-\(bytes.count - 1)/\(bytes.count)"),
                ("Docker-Content-Digest", digest), ("Content-Type", "application/octet-stream"),
            ], body: Array(bytes[start...]), headOnly: head)
        } else {
            try await responder.send(.ok, [
                ("Docker-Content-Digest", digest), ("Content-Type", "application/octet-stream"),
            ], body: bytes, headOnly: head)
        }
    }

    func notFound(_ responder: TestResponder) async throws -> AfterResponse {
        try await responder.send(
            .notFound, [("Content-Type", "application/json")],
            body: Array(#"{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}"#.utf8))
        return .keepAlive
    }

    /// Runs `body` with this registry behind a test server; `override` answers first and returns
    /// nil to leave a request to the well-behaved registry.
    func serve<T>(
        override: (@Sendable (TestRequest, TestResponder) async throws -> AfterResponse?)? = nil,
        _ body: (TestHTTPServer) async throws -> T
    ) async throws -> T {
        try await TestHTTPServer.with({ request, responder in
            self.record(request)
            if let override, let after = try await override(request, responder) { return after }
            return try await self.respond(request, responder)
        }, body)
    }

    /// A reference to the image on `server`.
    func reference(_ server: TestHTTPServer, tag: String = "latest") throws -> Reference {
        try Reference(parsing: "\(server.address)/\(Self.repository):\(tag)")
    }
}
