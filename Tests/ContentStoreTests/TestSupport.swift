import BerthCore
import Foundation
import Testing

@testable import ContentStore

/// A fresh store in a temporary directory that is removed afterwards.
@discardableResult
func withTemporaryStore<T>(
    lockAttempts: Int = 1, _ body: (LocalContentStore, String) throws -> T
) throws -> T {
    let root = try makeTemporaryDirectory()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let store = try LocalContentStore(root: root + "/content", lockAttempts: lockAttempts)
    return try body(store, root + "/content")
}

func makeTemporaryDirectory() throws -> String {
    var template = Array((NSTemporaryDirectory() + "/contentstore-test-XXXXXX").utf8CString)
    guard let pointer = template.withUnsafeMutableBufferPointer({ $0.baseAddress.flatMap { mkdtemp($0) } }) else {
        throw BerthError(.unknown, "mkdtemp failed")
    }
    return String(cString: pointer)
}

/// Deterministic pseudo-random bytes (SplitMix64), different for each seed.
func randomBytes(_ count: Int, seed: UInt64) -> [UInt8] {
    var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
    var bytes = [UInt8](repeating: 0, count: count)
    bytes.withUnsafeMutableBytes { raw in
        var index = 0
        while index < count {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            for shift in stride(from: 0, to: 64, by: 8) where index < count {
                raw[index] = UInt8(truncatingIfNeeded: z >> UInt64(shift))
                index += 1
            }
        }
    }
    return bytes
}

func digest(_ bytes: [UInt8], _ algorithm: Digest.Algorithm = .sha256) -> Digest {
    DigestHasher.digest(of: bytes, algorithm: algorithm)
}

/// Expects `body` to throw a BerthError of `kind` (and, if given, exactly `message`).
@discardableResult
func expectBerthError<T>(
    _ kind: BerthError.Kind, _ message: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> T
) -> BerthError? {
    do {
        _ = try body()
        Issue.record("expected a \(kind) error, got success", sourceLocation: sourceLocation)
        return nil
    } catch let error as BerthError {
        #expect(error.kind == kind, "\(error.message)", sourceLocation: sourceLocation)
        if let message { #expect(error.message == message, sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected BerthError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}

/// Writes `bytes` in chunks of `chunk`, as a client streaming a blob would.
func write(_ writer: ContentWriter, _ bytes: [UInt8], chunk: Int = 1 << 20) throws {
    var start = 0
    while start < bytes.count {
        let end = min(start + chunk, bytes.count)
        try bytes[start..<end].withUnsafeBytes { try writer.write($0) }
        start = end
    }
}

/// Writes and commits a blob in one go; returns its digest.
@discardableResult
func ingest(_ store: LocalContentStore, _ bytes: [UInt8], ref: String, algorithm: Digest.Algorithm = .sha256) throws -> Digest {
    let expected = digest(bytes, algorithm)
    let writer = try store.writer(ref: ref, total: Int64(bytes.count), expected: expected)
    try write(writer, bytes)
    return try writer.commit(size: Int64(bytes.count), expected: expected)
}

func readAll(_ store: LocalContentStore, _ digest: Digest) throws -> [UInt8] {
    let reader = try store.reader(digest)
    defer { reader.close() }
    return try reader.read(at: 0, count: Int(reader.size))
}

func fileExists(_ path: String) -> Bool {
    FileManager.default.fileExists(atPath: path)
}

func contents(of directory: String) -> [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
}

/// Times in the store are whole microseconds taken after the caller's clock read; allow for that.
func expectWithin(_ date: Date, _ lower: Date, _ upper: Date, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(date >= lower.addingTimeInterval(-0.001) && date <= upper.addingTimeInterval(0.001),
            "\(date) not within \(lower) ... \(upper)", sourceLocation: sourceLocation)
}
