import BerthCore
import Distribution
import Foundation
import NIOCore
import OCI
import Synchronization

/// A small content store on disk for the tests: blobs under `blobs/sha256`, resumable ingests
/// under `ingest`, labels in memory. It is both the puller's sink and the pusher's source.
final class FileSink: ContentSink, ContentSource {
    let root: String
    private struct State {
        var labels: [String: [String: String]] = [:]
        var locked: Set<String> = []
        var bytesWritten: Int64 = 0
        var commits = 0
    }

    private let state = Mutex(State())

    init(root: String) throws {
        self.root = root
        try FileManager.default.createDirectory(atPath: root + "/blobs/sha256", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/ingest", withIntermediateDirectories: true)
    }

    /// Bytes written through writers (what the network delivered).
    var bytesWritten: Int64 { state.withLock { $0.bytesWritten } }
    var commits: Int { state.withLock { $0.commits } }

    func blobPath(_ digest: String) -> String {
        root + "/blobs/sha256/" + (digest.split(separator: ":").last.map(String.init) ?? digest)
    }

    func ingestPath(_ ref: String) -> String {
        root + "/ingest/" + ref.replacingOccurrences(of: "/", with: "_")
    }

    func bytes(_ digest: String) -> [UInt8]? {
        (try? Data(contentsOf: URL(fileURLWithPath: blobPath(digest)))).map(Array.init)
    }

    func labels(_ digest: String) -> [String: String] {
        state.withLock { $0.labels[digest] ?? [:] }
    }

    var committedDigests: Set<String> {
        Set(((try? FileManager.default.contentsOfDirectory(atPath: root + "/blobs/sha256")) ?? []).map { "sha256:" + $0 })
    }

    /// Puts a partial ingest in place, as an interrupted pull would leave it.
    func seedIngest(ref: String, bytes: [UInt8]) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: ingestPath(ref)))
    }

    // MARK: ContentSink

    func info(_ digest: String) async throws -> ContentInfo? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: blobPath(digest)),
              let size = attributes[.size] as? NSNumber
        else { return nil }
        return ContentInfo(size: size.int64Value, labels: labels(digest))
    }

    func update(_ digest: String, labels: [String: String]) async throws {
        guard FileManager.default.fileExists(atPath: blobPath(digest)) else {
            throw BerthError.notFound("content \(digest): not found")
        }
        state.withLock { $0.labels[digest, default: [:]].merge(labels) { $1 } }
    }

    func openWriter(ref: String, expected: OCIDescriptor) async throws -> any ContentSinkWriter {
        if FileManager.default.fileExists(atPath: blobPath(expected.digest)) {
            throw BerthError.alreadyExists("content \(expected.digest): already exists")
        }
        let locked = state.withLock { $0.locked.insert(ref).inserted }
        guard locked else { throw BerthError.unavailable("ref \(ref) locked") }
        // The holder may have committed between the first check and taking the lock.
        if FileManager.default.fileExists(atPath: blobPath(expected.digest)) {
            unlock(ref)
            throw BerthError.alreadyExists("content \(expected.digest): already exists")
        }
        let path = ingestPath(ref)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        let offset = try handle.seekToEnd()
        return Writer(sink: self, ref: ref, path: path, expected: expected, handle: handle, offset: Int64(offset))
    }

    fileprivate func written(_ count: Int) { state.withLock { $0.bytesWritten += Int64(count) } }
    fileprivate func unlock(_ ref: String) { state.withLock { _ = $0.locked.remove(ref) } }

    fileprivate func committed(_ digest: String, labels: [String: String]) {
        state.withLock {
            $0.labels[digest, default: [:]].merge(labels) { $1 }
            $0.commits += 1
        }
    }

    // MARK: ContentSource

    func read(_ descriptor: OCIDescriptor) async throws -> AsyncThrowingStream<ByteBuffer, any Error> {
        guard let bytes = bytes(descriptor.digest) else { throw BerthError.notFound("content \(descriptor.digest): not found") }
        return AsyncThrowingStream { continuation in
            var start = 0
            while start < bytes.count {
                let end = min(start + 65536, bytes.count)
                continuation.yield(ByteBuffer(bytes: bytes[start..<end]))
                start = end
            }
            continuation.finish()
        }
    }

    final class Writer: ContentSinkWriter {
        let sink: FileSink
        let ref: String
        let path: String
        let expected: OCIDescriptor
        let handle: FileHandle
        let offset: Int64

        init(sink: FileSink, ref: String, path: String, expected: OCIDescriptor, handle: FileHandle, offset: Int64) {
            self.sink = sink
            self.ref = ref
            self.path = path
            self.expected = expected
            self.handle = handle
            self.offset = offset
        }

        func write(_ buffer: ByteBuffer) async throws {
            try handle.write(contentsOf: Data(buffer.readableBytesView))
            sink.written(buffer.readableBytes)
        }

        func commit(labels: [String: String]) async throws {
            try handle.close()
            defer { sink.unlock(ref) }
            let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            guard Int64(bytes.count) == expected.size else {
                throw BerthError.failedPrecondition("unexpected commit size \(bytes.count), expected \(expected.size)")
            }
            let actual = try digestOf(bytes)
            guard actual.description == expected.digest else {
                throw BerthError.failedPrecondition("unexpected commit digest \(actual), expected \(expected.digest)")
            }
            try FileManager.default.moveItem(atPath: path, toPath: sink.blobPath(expected.digest))
            sink.committed(expected.digest, labels: labels)
        }

        func abort() async throws {
            try? handle.close()
            try? FileManager.default.removeItem(atPath: path)
            sink.unlock(ref)
        }

        func close() async throws {
            try? handle.close()
            sink.unlock(ref)
        }
    }
}
