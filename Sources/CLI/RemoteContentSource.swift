import BerthClient
import BerthCore
import Distribution
import Foundation
import GRPCCore
import NIOCore
import OCI
import Synchronization

/// berthd's content store as the image pusher's source. Blobs are read window by window (one Read call per
/// MiB), so a slow upload never makes the client hold more than a window in memory.
struct RemoteContentSource: ContentSource {
    static let window: Int64 = 1 << 20
    let client: BerthClient

    func info(_ digest: String) async throws -> Distribution.ContentInfo? {
        try await RemoteContentSink.info(digest, from: client)
    }

    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        let client = client
        let size = descriptor.size
        let offset = Mutex<Int64>(0)
        return AsyncThrowingStream {
            let start = offset.withLock { $0 }
            guard start < size else { return nil }
            let length = min(Self.window, size - start)
            let collected = Mutex(Data())
            try await RemoteContentSink.mapped {
                try await client.readContent(descriptor.digest, offset: start, size: length) { chunk in
                    collected.withLock { $0.append(chunk) }
                }
            }
            let data = collected.withLock { $0 }
            guard !data.isEmpty else { throw BerthError(.outOfRange, "content \(descriptor.digest) ends at \(start) of \(size)") }
            offset.withLock { $0 += Int64(data.count) }
            return ByteBuffer(bytes: data)
        }
    }
}
