import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
import Synchronization

/// The HTTP clients of one RegistryClient: one per distinct TLS setup, so hosts that share a CA
/// share connections. Follows no redirects itself (the registry layer decides where auth goes).
final class HTTPTransport: Sendable {
    let configuration: RegistryClient.Configuration
    private let clients = Mutex<[TLSSettings: HTTPClient]>([:])
    private let closed = Mutex(false)

    init(configuration: RegistryClient.Configuration) {
        self.configuration = configuration
    }

    /// The client for `tls`, made on first use.
    func client(for tls: TLSSettings) throws -> HTTPClient {
        if closed.withLock({ $0 }) { throw BerthError.failedPrecondition("registry client is shut down") }
        if let existing = clients.withLock({ $0[tls] }) { return existing }
        let tlsConfiguration = try Self.makeTLSConfiguration(tls)
        var config = HTTPClient.Configuration(
            tlsConfiguration: tlsConfiguration, redirectConfiguration: .disallow,
            timeout: .init(
                connect: .nanoseconds(configuration.connectTimeout.nanoseconds),
                read: .nanoseconds(configuration.stallTimeout.nanoseconds)),
            decompression: .disabled)
        config.httpVersion = .automatic
        let made = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: config)
        // Insert under the lock unless shut down or raced; a client not kept is closed right away.
        let kept: HTTPClient? = clients.withLock { clients in
            if closed.withLock({ $0 }) { return nil }
            if let raced = clients[tls] { return raced }
            clients[tls] = made
            return made
        }
        if kept !== made { made.shutdown { _ in } }
        guard let kept else { throw BerthError.failedPrecondition("registry client is shut down") }
        return kept
    }

    func shutdown() async throws {
        let all = clients.withLock { clients -> [HTTPClient] in
            closed.withLock { $0 = true }
            defer { clients.removeAll() }
            return Array(clients.values)
        }
        for client in all { try await client.shutdown() }
    }

    /// One exchange; transport failures come back as BerthError (with `isRetryable` deciding retries).
    func execute(_ request: HTTPClientRequest, tls: TLSSettings) async throws -> HTTPClientResponse {
        let client = try client(for: tls)
        do {
            return try await client.execute(
                request, timeout: .nanoseconds(configuration.requestTimeout.nanoseconds))
        } catch {
            throw TransportError(underlying: error, url: request.url)
        }
    }

    static func makeTLSConfiguration(_ settings: TLSSettings) throws -> TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        if settings.skipVerify { tls.certificateVerification = .none }
        if !settings.caFiles.isEmpty {
            var roots: [NIOSSLCertificate] = []
            for file in settings.caFiles {
                do {
                    roots += try NIOSSLCertificate.fromPEMFile(file)
                } catch {
                    throw BerthError.invalidArgument("unable to load CA certificate \(file): \(error)")
                }
            }
            tls.additionalTrustRoots = [.certificates(roots)]
        }
        // NIOSSL presents one client identity; like Go, the first configured pair is used.
        if let pair = settings.clientCertificates.first {
            do {
                tls.certificateChain = try NIOSSLCertificate.fromPEMFile(pair.certificatePath).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(file: pair.keyPath ?? pair.certificatePath, format: .pem))
            } catch {
                throw BerthError.invalidArgument("unable to load client certificate \(pair.certificatePath): \(error)")
            }
        }
        return tls
    }
}
