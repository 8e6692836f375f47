import BerthCore
import Distribution
import Foundation
import NIOCore
import OCI

/// A real registry holding the busybox fixture as `test/busybox:amd64` (a manifest) and
/// `test/busybox:multi` (an index of amd64 and arm64), with a sink in the same temporary directory.
struct RegistryFixture: Sendable {
    static let repository = "test/busybox"

    let directory: String
    let registry: DockerRegistry
    let image: ImageFixture

    static func with<T>(
        tls: DockerRegistry.TLS? = nil, htpasswd: String? = nil, credentials: String? = nil,
        prepare: ((String) async throws -> Void)? = nil, _ body: (RegistryFixture) async throws -> T
    ) async throws -> T {
        try await withTemporaryDirectory { directory in
            try await prepare?(directory)
            let image = try await ImageFixture.build(in: directory)
            return try await DockerRegistry.with(directory: directory, tls: tls, htpasswd: htpasswd) { registry in
                for tag in ["amd64", "multi"] {
                    try await image.push(tag, to: "\(registry.address)/\(repository):\(tag)", credentials: credentials)
                }
                return try await body(RegistryFixture(directory: directory, registry: registry, image: image))
            }
        }
    }

    func reference(_ tag: String, repository: String = RegistryFixture.repository) throws -> Reference {
        try Reference(parsing: "\(registry.address)/\(repository):\(tag)")
    }

    /// A new empty sink under the fixture's directory.
    func makeSink(_ name: String = "sink") throws -> FileSink {
        try FileSink(root: directory + "/" + name)
    }
}
