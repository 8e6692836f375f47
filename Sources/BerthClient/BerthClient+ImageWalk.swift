import BerthAPI
import Foundation
import GRPCCore
import OCI

extension BerthClient {
    /// Walks an image's documents through the content service (sizes, platforms, what is missing).
    public func walk(_ target: Containerd_Types_Descriptor) async throws -> ImageWalk.Summary {
        let walk = ImageWalk(
            fetch: { descriptor in try await self.readWholeBlob(descriptor.digest) },
            exists: { descriptor in try await self.hasContent(descriptor.digest) })
        return try await walk.summarize(
            OCIDescriptor(mediaType: target.mediaType, digest: target.digest, size: target.size))
    }

    /// A small blob (a manifest, an index, a config) read whole; nil when the store does not have it.
    /// The whole blob, or nil if the store does not have it (Read answers NotFound before any data).
    public func readWholeBlob(_ digest: String) async throws -> Data? {
        let collected = DataBox()
        do {
            try await readContent(digest) { await collected.append($0) }
        } catch let error as RPCError where error.code == .notFound {
            return nil
        }
        return await collected.data
    }

    public func hasContent(_ digest: String) async throws -> Bool {
        do {
            _ = try await contentInfo(digest)
            return true
        } catch let error as RPCError where error.code == .notFound {
            return false
        }
    }
}

actor DataBox {
    var data = Data()
    func append(_ chunk: Data) { data.append(chunk) }
}
