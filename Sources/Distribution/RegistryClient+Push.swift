import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import NIOHTTP1
import OCI

extension RegistryClient {
    /// A blob's bytes, produced anew for every try of an upload.
    public typealias ContentStream = @Sendable () async throws -> AsyncThrowingStream<ByteBuffer, any Error>

    /// Whether `reference`'s repository has the blob (HEAD on the blobs endpoint of the push host).
    public func blobExists(_ descriptor: OCIDescriptor, in reference: Reference) async throws -> Bool {
        let host = try pushHost(reference)
        let url = host.url(repository: reference.path, "blobs", descriptor.digest)
        let response = try await send(
            RegistryRequest(method: .HEAD, url: url, scopes: [Self.scope(reference.path, push: true)]), to: host)
        switch response.status.code {
        case 200..<300: return true
        case 404: return false
        default: throw await RegistryErrorResponse.error(response, "checking for \(descriptor.digest) in \(reference.name)")
        }
    }

    /// Pushes a blob unless the repository has it: first a cross-repository mount from one of
    /// `mountFrom` (repository paths on the same registry), else an upload — one PUT, or PATCH
    /// chunks of `uploadChunkSize` then a closing PUT. Failed uploads start over, bounded by `maxAttempts`.
    public func pushBlob(
        _ descriptor: OCIDescriptor, to reference: Reference, mountFrom: [String] = [], content: @escaping ContentStream
    ) async throws -> BlobPushResult {
        if try await blobExists(descriptor, in: reference) { return .exists }
        let host = try pushHost(reference)
        var scopes = [Self.scope(reference.path, push: true)]
        scopes += mountFrom.filter { $0 != reference.path }.map { Self.scope($0) }
        var attempt = 1
        while true {
            do {
                var location: String?
                for source in mountFrom where source != reference.path {
                    switch try await startUpload(descriptor, reference, host: host, scopes: scopes, mountFrom: source) {
                    case .mounted: return .mounted(from: source)
                    case .session(let url): location = url
                    }
                    if location != nil { break }
                }
                if location == nil {
                    if case .session(let url) = try await startUpload(descriptor, reference, host: host, scopes: scopes, mountFrom: nil) {
                        location = url
                    }
                }
                guard let location else {
                    throw BerthError.unavailable("registry \(host.host) gave no upload location for \(descriptor.digest)")
                }
                if let chunk = configuration.uploadChunkSize, descriptor.size > Int64(chunk) {
                    try await uploadChunked(descriptor, reference, host: host, scopes: scopes, location: location, chunkSize: chunk, content: content)
                } else {
                    try await uploadMonolithic(descriptor, reference, host: host, scopes: scopes, location: location, content: content)
                }
                return .uploaded
            } catch let error as BerthError {
                guard [.unavailable, .deadlineExceeded].contains(error.kind), attempt < configuration.maxAttempts else { throw error }
                try await transport.backoff(attempt: attempt)
                attempt += 1
            }
        }
    }

    /// Stores a manifest or index under `tag` (or its digest when nil).
    public func pushManifest(_ descriptor: OCIDescriptor, bytes: [UInt8], to reference: Reference, tag: String? = nil) async throws {
        let host = try pushHost(reference)
        let url = host.url(repository: reference.path, "manifests", tag ?? descriptor.digest)
        var request = RegistryRequest(method: .PUT, url: url, scopes: [Self.scope(reference.path, push: true)])
        request.headers.add(name: "Content-Type", value: descriptor.mediaType)
        request.body = .bytes(ByteBuffer(bytes: bytes))
        let response = try await send(request, to: host)
        let what = "pushing manifest \(descriptor.digest) to \(reference.name)" + (tag.map { ":\($0)" } ?? "")
        guard (200..<300).contains(response.status.code) else { throw await RegistryErrorResponse.error(response, what) }
        if let stored = response.headers.first(name: "Docker-Content-Digest"), stored != descriptor.digest {
            throw BerthError.failedPrecondition("\(what): registry stored it as \(stored)")
        }
        await HTTPTransport.drain(response)
    }

    /// Whether a manifest is in the repository (by digest).
    public func manifestExists(_ descriptor: OCIDescriptor, in reference: Reference) async throws -> Bool {
        let host = try pushHost(reference)
        var request = RegistryRequest(
            method: .HEAD, url: host.url(repository: reference.path, "manifests", descriptor.digest),
            scopes: [Self.scope(reference.path, push: true)])
        request.headers.add(name: "Accept", value: ([descriptor.mediaType] + Self.manifestMediaTypes).joined(separator: ", "))
        let response = try await send(request, to: host)
        switch response.status.code {
        case 200..<300: return true
        case 404: return false
        default: throw await RegistryErrorResponse.error(response, "checking for \(descriptor.digest) in \(reference.name)")
        }
    }

    private enum UploadStart {
        case mounted
        case session(String)
    }

    private func pushHost(_ reference: Reference) throws -> RegistryHost {
        guard let host = try endpoints(reference, .push).first else {
            throw BerthError.failedPrecondition("no host for \(reference.domain) is configured to push")
        }
        return host
    }

    /// POST to the uploads endpoint; with `mountFrom`, asks to link the blob from there instead.
    private func startUpload(
        _ descriptor: OCIDescriptor, _ reference: Reference, host: RegistryHost, scopes: [String], mountFrom: String?
    ) async throws -> UploadStart {
        var url = host.url(repository: reference.path, "blobs", "uploads") + "/"
        if let mountFrom {
            url += "?mount=\(Self.queryEscape(descriptor.digest))&from=\(Self.queryEscape(mountFrom))"
        }
        var request = RegistryRequest(method: .POST, url: url, scopes: scopes)
        request.headers.add(name: "Content-Length", value: "0")
        request.retry = true
        let response = try await send(request, to: host)
        let what = "starting upload of \(descriptor.digest) to \(reference.name)"
        switch response.status.code {
        case 201 where mountFrom != nil:
            await HTTPTransport.drain(response)
            return .mounted
        case 201, 202:
            guard let location = response.headers.first(name: "Location"),
                  let absolute = URL(string: location, relativeTo: URL(string: url))?.absoluteString
            else {
                throw BerthError.unavailable("\(what): no Location in the registry's answer")
            }
            await HTTPTransport.drain(response)
            return .session(absolute)
        default:
            throw await RegistryErrorResponse.error(response, what)
        }
    }

    private func uploadMonolithic(
        _ descriptor: OCIDescriptor, _ reference: Reference, host: RegistryHost, scopes: [String], location: String,
        content: @escaping ContentStream
    ) async throws {
        var request = RegistryRequest(method: .PUT, url: Self.appendingDigest(location, descriptor.digest), scopes: scopes)
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        request.body = .stream(length: descriptor.size, make: content)
        request.retry = false
        let response = try await send(request, to: host)
        try await Self.expectCreated(response, descriptor, "uploading \(descriptor.digest) to \(reference.name)")
    }

    private func uploadChunked(
        _ descriptor: OCIDescriptor, _ reference: Reference, host: RegistryHost, scopes: [String], location start: String,
        chunkSize: Int, content: @escaping ContentStream
    ) async throws {
        let what = "uploading \(descriptor.digest) to \(reference.name)"
        var location = start
        var offset: Int64 = 0
        var pending = ByteBuffer()
        func patch(_ chunk: ByteBuffer) async throws {
            var request = RegistryRequest(method: .PATCH, url: location, scopes: scopes)
            request.headers.add(name: "Content-Type", value: "application/octet-stream")
            request.headers.add(name: "Content-Range", value: "\(offset)-\(offset + Int64(chunk.readableBytes) - 1)")
            request.body = .bytes(chunk)
            request.retry = false
            let response = try await send(request, to: host)
            guard response.status.code == 202 || response.status.code == 204 else {
                throw await RegistryErrorResponse.error(response, what)
            }
            if let next = response.headers.first(name: "Location"),
               let absolute = URL(string: next, relativeTo: URL(string: location))?.absoluteString
            {
                location = absolute
            }
            await HTTPTransport.drain(response)
            offset += Int64(chunk.readableBytes)
        }
        for try await var buffer in try await content() {
            try checkCancellation()
            while buffer.readableBytes > 0 {
                let take = min(chunkSize - pending.readableBytes, buffer.readableBytes)
                if var slice = buffer.readSlice(length: take) { pending.writeBuffer(&slice) }
                if pending.readableBytes == chunkSize {
                    try await patch(pending)
                    pending = ByteBuffer()
                }
            }
        }
        if pending.readableBytes > 0 { try await patch(pending) }
        guard offset == descriptor.size else {
            throw BerthError.failedPrecondition("\(what): content has \(offset) bytes, the descriptor says \(descriptor.size)")
        }
        var close = RegistryRequest(method: .PUT, url: Self.appendingDigest(location, descriptor.digest), scopes: scopes)
        close.headers.add(name: "Content-Length", value: "0")
        close.retry = false
        try await Self.expectCreated(try await send(close, to: host), descriptor, what)
    }

    private static func expectCreated(_ response: HTTPClientResponse, _ descriptor: OCIDescriptor, _ what: String) async throws {
        guard (200..<300).contains(response.status.code) else { throw await RegistryErrorResponse.error(response, what) }
        if let stored = response.headers.first(name: "Docker-Content-Digest"), stored != descriptor.digest {
            throw BerthError.failedPrecondition("\(what): registry stored it as \(stored)")
        }
        await HTTPTransport.drain(response)
    }

    static func appendingDigest(_ location: String, _ digest: String) -> String {
        location + (location.contains("?") ? "&" : "?") + "digest=" + queryEscape(digest)
    }

    static func queryEscape(_ value: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~/")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }
}
