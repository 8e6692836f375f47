import AsyncHTTPClient
import BerthCore
import Foundation
import NIOHTTP1
import OCI

extension RegistryClient {
    /// Media types asked for when resolving, in containerd's order of preference.
    public static let manifestMediaTypes = [
        MediaTypes.ociIndex, MediaTypes.ociManifest, MediaTypes.dockerManifestList, MediaTypes.dockerManifest,
    ]
    static let schema1MediaTypes: Set = [
        "application/vnd.docker.distribution.manifest.v1+prettyjws", "application/vnd.docker.distribution.manifest.v1+json",
    ]

    /// Turns a tag (or digest) into the root descriptor: HEAD on the manifests endpoint with the
    /// supported media types, then GET when the registry leaves out the digest, type or size.
    /// Hosts with the resolve capability are tried in order.
    public func resolve(_ reference: Reference) async throws -> Resolved {
        var failures: [BerthError] = []
        for host in try endpoints(reference, .resolve) {
            do {
                return Resolved(name: reference.string, descriptor: try await resolve(reference, on: host))
            } catch let error as BerthError {
                if error.kind == .canceled { throw error }
                logger.debug("resolve failed", metadata: ["host": "\(host.host)", "error": "\(error)"])
                failures.append(error)
            }
        }
        // A host that had it but failed says more than one that did not have it.
        throw failures.first { $0.kind != .notFound } ?? failures.first ?? .notFound("\(reference): not found")
    }

    private func resolve(_ reference: Reference, on host: RegistryHost) async throws -> OCIDescriptor {
        let url = host.url(repository: reference.path, "manifests", reference.object)
        var request = RegistryRequest(method: .HEAD, url: url, scopes: [Self.scope(reference.path)])
        request.headers.add(name: "Accept", value: Self.manifestMediaTypes.joined(separator: ", "))
        let what = "resolving \(reference)"

        let head = try await send(request, to: host)
        switch head.status.code {
        case 200..<300:
            let mediaType = Self.mediaType(head.headers)
            try Self.rejectSchema1(mediaType, reference)
            let headerDigest = head.headers.first(name: "Docker-Content-Digest").flatMap { try? Digest(parsing: $0) }
            if let digest = reference.digest ?? headerDigest, let mediaType, !Self.isGenericType(mediaType),
               let size = head.headers.first(name: "Content-Length").flatMap(Int64.init), size > 0
            {
                return OCIDescriptor(mediaType: mediaType, digest: digest.description, size: size)
            }
        case 401, 403, 404:
            throw await RegistryErrorResponse.error(head, what)
        default:
            // Some registries refuse HEAD; GET says the same with a body.
            await HTTPTransport.drain(head)
        }

        request.method = .GET
        let get = try await send(request, to: host)
        guard (200..<300).contains(get.status.code) else { throw await RegistryErrorResponse.error(get, what) }
        let limit = Int(clamping: configuration.maxDocumentSize)
        let body = try await Self.collect(get.body, limit: limit, what: "manifest of \(reference)", url: url)
        var mediaType = Self.mediaType(get.headers)
        if mediaType == nil || mediaType.map(Self.isGenericType) == true { mediaType = try Self.sniff(body, reference) }
        try Self.rejectSchema1(mediaType, reference)
        guard let mediaType else {
            throw BerthError.failedPrecondition("\(what): the registry did not say what kind of manifest it sent")
        }
        let algorithm = reference.digest?.algorithm ?? .sha256
        let actual = try DigestVerifier.digest(of: body, algorithm: algorithm)
        if let expected = reference.digest, expected != actual {
            throw BerthError.failedPrecondition("\(what): manifest digest mismatch: got \(actual), expected \(expected)")
        }
        if let header = get.headers.first(name: "Docker-Content-Digest").flatMap({ try? Digest(parsing: $0) }),
           header.algorithm == actual.algorithm, header != actual
        {
            throw BerthError.failedPrecondition("\(what): registry says \(header) but the manifest hashes to \(actual)")
        }
        return OCIDescriptor(mediaType: mediaType, digest: actual.description, size: Int64(body.count))
    }

    /// The Content-Type without parameters.
    static func mediaType(_ headers: HTTPHeaders) -> String? {
        guard let value = headers.first(name: "Content-Type") else { return nil }
        let type = value.split(separator: ";", maxSplits: 1).first.map { $0.trimmingCharacters(in: .whitespaces) }
        return type.flatMap { $0.isEmpty ? nil : $0 }
    }

    static func isGenericType(_ mediaType: String) -> Bool {
        ["application/json", "text/plain", "application/octet-stream", "binary/octet-stream"].contains(mediaType)
    }

    static func rejectSchema1(_ mediaType: String?, _ reference: Reference) throws {
        if let mediaType, schema1MediaTypes.contains(mediaType) {
            throw BerthError.notImplemented("\(reference): schema 1 manifests are not supported (\(mediaType))")
        }
    }

    /// Guesses a manifest's type from its JSON when the registry sent a generic Content-Type.
    static func sniff(_ body: [UInt8], _ reference: Reference) throws -> String? {
        struct Probe: Decodable {
            var schemaVersion: Int?
            var mediaType: String?
            var manifests: [OCIDescriptor]?
            var config: OCIDescriptor?
            var fsLayers: [[String: String]]?
        }
        guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(body)) else { return nil }
        if probe.schemaVersion == 1 || probe.fsLayers != nil {
            throw BerthError.notImplemented("\(reference): schema 1 manifests are not supported")
        }
        if let mediaType = probe.mediaType { return mediaType }
        if probe.manifests != nil { return MediaTypes.ociIndex }
        if probe.config != nil { return MediaTypes.ociManifest }
        return nil
    }
}
