import AsyncHTTPClient
import BerthCore
import NIOCore
import OCI

/// A blob's bytes from a registry, from `offset` to the end. Resumes after dropped connections
/// and stalls; digest-verifies fetches that start at 0 and throws on a mismatch before ending.
/// Single-pass: iterate it once.
public struct BlobStream: AsyncSequence, Sendable {
    public typealias Element = ByteBuffer

    let client: RegistryClient
    let reference: Reference
    public let descriptor: OCIDescriptor
    let digest: Digest
    /// Where the stream starts in the blob.
    public let offset: Int64
    let opened: RegistryClient.OpenedBlob?

    init(client: RegistryClient, reference: Reference, descriptor: OCIDescriptor, digest: Digest, offset: Int64, opened: RegistryClient.OpenedBlob?) {
        self.client = client
        self.reference = reference
        self.descriptor = descriptor
        self.digest = digest
        self.offset = offset
        self.opened = opened
    }

    /// Whether the stream checks the digest itself (only when it sees every byte).
    public var verifiesDigest: Bool { offset == 0 }

    public func makeAsyncIterator() -> Iterator {
        Iterator(stream: self)
    }

    public struct Iterator: AsyncIteratorProtocol {
        private let stream: BlobStream
        private var host: RegistryHost?
        private var url: String
        private var body: HTTPClientResponse.Body.AsyncIterator?
        private var skip: Int64
        private var received: Int64
        private var verifier: DigestVerifier?
        private var failures = 0
        private var receivedAtFailure: Int64 = -1
        private var finished = false

        init(stream: BlobStream) {
            self.stream = stream
            host = stream.opened?.host
            url = stream.opened?.url ?? ""
            body = stream.opened?.body.makeAsyncIterator()
            skip = stream.opened?.skip ?? 0
            received = stream.offset
            verifier = stream.offset == 0 ? DigestVerifier(expected: stream.digest) : nil
        }

        public mutating func next() async throws -> ByteBuffer? {
            let size = stream.descriptor.size
            while !finished {
                try checkCancellation()
                if received == size, skip == 0 {
                    finished = true
                    do {
                        try verifier?.verify(size: size)
                    } catch let error as BerthError {
                        throw BerthError(error.kind, "\(what): \(error.message)")
                    }
                    return nil
                }
                guard var current = body else {
                    try await reopen()
                    continue
                }
                let chunk: ByteBuffer?
                do {
                    chunk = try await current.next()
                    body = current
                } catch {
                    body = nil
                    let failure = TransportError(underlying: error, url: url)
                    if failure.isCancellation { throw failure.berthError }
                    try await recover(failure.berthError, retryable: failure.isRetryable)
                    continue
                }
                guard var chunk else {
                    body = nil
                    try await recover(
                        .unavailable("\(what): body ended after \(received) of \(size) bytes"), retryable: true)
                    continue
                }
                if skip > 0 {
                    let dropped = Int(Swift.min(skip, Int64(chunk.readableBytes)))
                    chunk.moveReaderIndex(forwardBy: dropped)
                    skip -= Int64(dropped)
                    if chunk.readableBytes == 0 { continue }
                }
                guard received + Int64(chunk.readableBytes) <= size else {
                    finished = true
                    throw BerthError.failedPrecondition("\(what): registry sent more than the \(size) bytes the descriptor says")
                }
                received += Int64(chunk.readableBytes)
                verifier?.update(chunk)
                return chunk
            }
            return nil
        }

        private var what: String { "fetching \(stream.descriptor.digest) from \(stream.reference.name)" }

        /// Counts a failure (tries reset whenever bytes arrived since the last one) and waits, or gives up.
        private mutating func recover(_ error: BerthError, retryable: Bool) async throws {
            if received > receivedAtFailure { failures = 0 }
            receivedAtFailure = received
            failures += 1
            guard retryable, failures < stream.client.configuration.maxAttempts else {
                finished = true
                throw failures > 1 ? BerthError(error.kind, "\(error.message) (after \(failures) tries)") : error
            }
            stream.client.logger.debug("resuming blob", metadata: ["digest": "\(stream.descriptor.digest)", "offset": "\(received)", "error": "\(error)"])
            try await stream.client.transport.backoff(attempt: failures)
        }

        private mutating func reopen() async throws {
            let hosts = try host.map { [$0] } ?? stream.client.endpoints(stream.reference, .pull)
            do {
                let opened = try await stream.client.openBlob(stream.descriptor, stream.reference, offset: received, hosts: hosts)
                host = opened.host
                url = opened.url
                body = opened.body.makeAsyncIterator()
                skip = opened.skip
            } catch let error as BerthError {
                if error.kind == .canceled { throw error }
                // openBlob already retried transient failures; what reaches here is final.
                finished = true
                throw error
            }
        }
    }
}
