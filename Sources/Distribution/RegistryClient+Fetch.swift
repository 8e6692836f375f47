import AsyncHTTPClient
import BerthCore
import NIOCore
import NIOHTTP1
import OCI

extension RegistryClient {
    /// An opened GET for a blob: the host that answered and its body, positioned at `skip` bytes
    /// before the offset asked for (a registry that ignores Range sends from 0).
    struct OpenedBlob: Sendable {
        var host: RegistryHost
        var url: String
        var body: HTTPClientResponse.Body
        var skip: Int64
    }

    /// Streams `descriptor`'s bytes from `reference`'s repository, starting at `offset`. Dropped
    /// connections and stalls are resumed with `Range` (bounded by `maxAttempts` tries without progress);
    /// a fetch from offset 0 is digest-verified before the stream ends. Iterate it once.
    public func fetch(_ descriptor: OCIDescriptor, from reference: Reference, offset: Int64 = 0) async throws -> BlobStream {
        let digest = try Digest(parsing: descriptor.digest)
        guard offset >= 0, offset <= descriptor.size else {
            throw BerthError(.outOfRange, "offset \(offset) is outside \(descriptor.digest) (\(descriptor.size) bytes)")
        }
        if offset == descriptor.size {
            return BlobStream(client: self, reference: reference, descriptor: descriptor, digest: digest, offset: offset, opened: nil)
        }
        let opened = try await openBlob(descriptor, reference, offset: offset, hosts: try endpoints(reference, .pull))
        return BlobStream(client: self, reference: reference, descriptor: descriptor, digest: digest, offset: offset, opened: opened)
    }

    /// Reads a whole document (manifest, index, config) into memory, verified, refusing anything
    /// over `maxDocumentSize`.
    public func fetchData(_ descriptor: OCIDescriptor, from reference: Reference) async throws -> [UInt8] {
        guard descriptor.size <= configuration.maxDocumentSize else {
            throw BerthError(
                .resourceExhausted,
                "\(descriptor.digest) (\(descriptor.mediaType)) is \(descriptor.size) bytes, over the \(configuration.maxDocumentSize)-byte limit for manifests and configs")
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(descriptor.size))
        for try await chunk in try await fetch(descriptor, from: reference) {
            bytes.append(contentsOf: chunk.readableBytesView)
        }
        return bytes
    }

    /// GET with `Range` on each host in turn (manifests endpoint first for manifest types, as
    /// containerd does) until one serves the blob.
    func openBlob(_ descriptor: OCIDescriptor, _ reference: Reference, offset: Int64, hosts: [RegistryHost]) async throws -> OpenedBlob {
        let what = "fetching \(descriptor.digest) from \(reference.name)"
        var paths = ["blobs"]
        if MediaTypes.isIndex(descriptor.mediaType) || MediaTypes.isManifest(descriptor.mediaType) {
            paths.insert("manifests", at: 0)
        }
        var failures: [BerthError] = []
        for host in hosts {
            for path in paths {
                let url = host.url(repository: reference.path, path, descriptor.digest)
                var request = RegistryRequest(method: .GET, url: url, scopes: [Self.scope(reference.path)])
                if path == "manifests" {
                    request.headers.add(name: "Accept", value: ([descriptor.mediaType] + Self.manifestMediaTypes).joined(separator: ", "))
                }
                if offset > 0 { request.headers.add(name: "Range", value: "bytes=\(offset)-") }
                do {
                    let response = try await send(request, to: host)
                    switch response.status.code {
                    case 200:
                        return OpenedBlob(host: host, url: url, body: response.body, skip: offset)
                    case 206:
                        // A 206 must start where asked; an earlier start is skipped, a later one cannot be used.
                        let start = Self.rangeStart(response.headers) ?? offset
                        guard start <= offset else {
                            await HTTPTransport.drain(response)
                            throw BerthError.unavailable("\(what): asked for bytes from \(offset), got a range from \(start)")
                        }
                        return OpenedBlob(host: host, url: url, body: response.body, skip: offset - start)
                    default:
                        throw await RegistryErrorResponse.error(response, what)
                    }
                } catch let error as BerthError {
                    if error.kind == .canceled { throw error }
                    failures.append(error)
                }
            }
        }
        throw failures.first { $0.kind != .notFound } ?? failures.first ?? .notFound("\(what): not found")
    }

    /// The first byte of `Content-Range: bytes start-end/total`.
    static func rangeStart(_ headers: HTTPHeaders) -> Int64? {
        guard let value = headers.first(name: "Content-Range") else { return nil }
        let range = value.split(separator: " ").last ?? Substring(value)
        return range.split(separator: "-").first.flatMap { Int64($0) }
    }
}
