import BerthCore
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One ingest on disk, laid out as containerd's: `ingest/<sha256 hex of ref>/` holding `data`,
/// `ref`, `startedat`, `updatedat` and, when known, `total`. Berth adds `expected` (containerd has
/// a TODO for it); containerd ignores the extra file.
struct IngestDirectory: Sendable {
    /// The ref is hashed so that any ref, "../x" or "a/b" included, maps to one fixed-length name
    /// inside the ingest root.
    let path: String

    init(ingestRoot: String, ref: String) {
        path = ingestRoot + "/" + Self.name(for: ref)
    }

    static func name(for ref: String) -> String {
        DigestHasher.digest(of: Array(ref.utf8)).encoded
    }

    init(path: String) {
        self.path = path
    }

    var dataPath: String { path + "/data" }
    var refPath: String { path + "/ref" }
    var startedAtPath: String { path + "/startedat" }
    var updatedAtPath: String { path + "/updatedat" }
    var totalPath: String { path + "/total" }
    var expectedPath: String { path + "/expected" }

    /// Writes the metadata of a fresh ingest, dropping what an earlier, abandoned one left.
    func writeMetadata(ref: String, startedAt: Date, total: Int64, expected: Digest?) throws {
        try FileSystem.writeFileAtomically(refPath, Array(ref.utf8))
        try FileSystem.writeFileAtomically(startedAtPath, Array(Timestamp.rfc3339(startedAt).utf8))
        try writeUpdatedAt(startedAt)
        if total > 0 { try writeTotal(total) } else { try FileSystem.unlink(totalPath) }
        if let expected { try writeExpected(expected) } else { try FileSystem.unlink(expectedPath) }
    }

    func writeUpdatedAt(_ date: Date) throws {
        try FileSystem.writeFileAtomically(updatedAtPath, Array(Timestamp.rfc3339(date).utf8))
    }

    func writeTotal(_ total: Int64) throws {
        try FileSystem.writeFileAtomically(totalPath, Array(String(total).utf8))
    }

    func writeExpected(_ expected: Digest) throws {
        try FileSystem.writeFileAtomically(expectedPath, Array(expected.description.utf8))
    }

    func readRef() throws -> String {
        String(decoding: try FileSystem.readFile(refPath), as: UTF8.self)
    }

    /// The status as the files say (containerd's store.status): offset is the data file's size,
    /// and updatedat is only written on close, so the data file's mtime may be more recent.
    /// Missing `data` or `ref` throw notFound; an unparsable timestamp throws unknown.
    func readStatus() throws -> IngestStatus {
        let data = try FileSystem.status(dataPath)
        let ref = try readRef()
        let startedAt = try readTimestamp(startedAtPath)
        let updatedAt = max(try readTimestamp(updatedAtPath), Timestamp.date(data.modificationTime))
        return IngestStatus(
            ref: ref, offset: Int64(data.st_size), total: readTotal(), expected: readExpected(),
            startedAt: startedAt, updatedAt: updatedAt)
    }

    /// 0 when the file is missing or corrupt, as containerd's store.total.
    private func readTotal() -> Int64 {
        guard let bytes = try? FileSystem.readFile(totalPath) else { return 0 }
        return Int64(String(decoding: bytes, as: UTF8.self)) ?? 0
    }

    private func readExpected() -> Digest? {
        guard let bytes = try? FileSystem.readFile(expectedPath) else { return nil }
        return try? Digest(parsing: String(decoding: bytes, as: UTF8.self))
    }

    private func readTimestamp(_ path: String) throws -> Date {
        let text = String(decoding: try FileSystem.readFile(path), as: UTF8.self)
        guard let date = Timestamp.parseRFC3339(text) else {
            throw BerthError(.unknown, "could not parse timestamp file \(path)")
        }
        return date
    }
}
