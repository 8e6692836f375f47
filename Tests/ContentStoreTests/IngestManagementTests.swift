import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct IngestManagementTests {
    /// containerd's layout, so an ingest left by either daemon reads the same.
    @Test func ingestDirectoryLayout() throws {
        try withTemporaryStore { store, root in
            let expected = digest([1, 2, 3])
            let writer = try store.writer(ref: "layout", total: 3, expected: expected)
            try writer.write([1, 2])
            writer.close()
            let name = DigestHasher.digest(of: Array("layout".utf8)).encoded
            let directory = root + "/ingest/" + name
            #expect(contents(of: root + "/ingest") == [name])
            #expect(contents(of: directory) == ["data", "expected", "ref", "startedat", "total", "updatedat"])
            func text(_ file: String) throws -> String {
                String(decoding: try FileSystem.readFile(directory + "/" + file), as: UTF8.self)
            }
            #expect(try text("ref") == "layout")
            #expect(try text("total") == "3")
            #expect(try text("expected") == expected.description)
            #expect(try FileSystem.readFile(directory + "/data") == [1, 2])
            let startedAt = try text("startedat")
            let status = try store.status(ref: "layout")
            #expect(startedAt.hasSuffix("Z"))
            #expect(Timestamp.parseRFC3339(startedAt) == status.startedAt)
        }
    }

    @Test func truncateToZeroResetsDataAndHash() throws {
        try withTemporaryStore { store, _ in
            let writer = try store.writer(ref: "trunc")
            try writer.write(randomBytes(5000, seed: 30))
            try writer.truncate(to: 0)
            #expect(try writer.status().offset == 0)
            #expect(writer.digest == digest([]))
            #expect(try store.status(ref: "trunc").offset == 0)
            let bytes = randomBytes(100, seed: 31)
            try writer.write(bytes)
            #expect(try writer.commit(size: 100, expected: digest(bytes)) == digest(bytes))
        }
    }

    @Test func truncateToOtherSizesIsUnsupported() throws {
        try withTemporaryStore { store, _ in
            let writer = try store.writer(ref: "trunc")
            defer { writer.close() }
            try writer.write([1, 2, 3])
            expectBerthError(.invalidArgument, "Truncate: unsupported size") { try writer.truncate(to: 1) }
            #expect(try writer.status().offset == 3)
        }
    }

    @Test func abortRemovesTheIngest() throws {
        try withTemporaryStore { store, root in
            let writer = try store.writer(ref: "gone")
            try writer.write([1, 2, 3])
            writer.close()
            try store.abort(ref: "gone")
            #expect(contents(of: root + "/ingest") == [])
            expectBerthError(.notFound, "ref gone") { try store.status(ref: "gone") }
            expectBerthError(.notFound, "ingest ref \"gone\"") { try store.abort(ref: "gone") }
            // Starts over.
            let again = try store.writer(ref: "gone")
            #expect(try again.status().offset == 0)
            again.close()
        }
    }

    @Test func abortOfUnknownRefIsNotFound() throws {
        try withTemporaryStore { store, _ in
            expectBerthError(.notFound, "ingest ref \"never \\\"seen\\\"\"") { try store.abort(ref: "never \"seen\"") }
        }
    }

    /// Like containerd, abort does not wait for the open writer; that writer can no longer commit.
    @Test func abortWhileAWriterIsOpen() throws {
        try withTemporaryStore { store, root in
            let writer = try store.writer(ref: "racing")
            try writer.write([1, 2, 3])
            try store.abort(ref: "racing")
            try writer.write([4])
            expectBerthError(.notFound, "ingest ref \"racing\"") { try writer.commit(size: 0, expected: nil) }
            #expect(contents(of: root + "/blobs/sha256") == [])
            #expect(contents(of: root + "/ingest") == [])
            try store.writer(ref: "racing").close()
        }
    }

    @Test func statusMatchesTheWriter() throws {
        try withTemporaryStore { store, _ in
            let expected = digest(randomBytes(256, seed: 32))
            let preStart = Date()
            let writer = try store.writer(ref: "c1", total: 256, expected: expected)
            let postStart = Date()
            var status = try writer.status()
            #expect(status == IngestStatus(
                ref: "c1", offset: 0, total: 256, expected: expected, startedAt: status.startedAt, updatedAt: status.startedAt))
            expectWithin(status.startedAt, preStart, postStart)

            let preUpdate = Date()
            try writer.write(randomBytes(64, seed: 33))
            let postUpdate = Date()
            status = try writer.status()
            #expect(status.offset == 64)
            expectWithin(status.updatedAt, preUpdate, postUpdate)

            let onDisk = try store.status(ref: "c1")
            #expect(onDisk.ref == "c1" && onDisk.offset == 64 && onDisk.total == 256 && onDisk.expected == expected)
            #expect(onDisk.startedAt == status.startedAt)
            writer.close()
            // After close the recorded updatedat is the writer's (or the data mtime, if later).
            #expect(try store.status(ref: "c1").updatedAt >= status.updatedAt)
        }
    }

    @Test func listStatusesAndFilters() throws {
        try withTemporaryStore { store, root in
            for ref in ["layer-b", "layer-a", "manifest"] {
                let writer = try store.writer(ref: ref, total: 10)
                try writer.write(Array(ref.utf8.prefix(3)))
                writer.close()
            }
            // Junk in the ingest root is ignored.
            try FileSystem.writeFileAtomically(root + "/ingest/stray-file", [1])
            try FileSystem.makeDirectory(root + "/ingest/stray-dir")

            #expect(try store.listStatuses().map(\.ref) == ["layer-a", "layer-b", "manifest"])
            #expect(try store.listStatuses().allSatisfy { $0.offset == 3 && $0.total == 10 })
            #expect(try store.listStatuses(filters: ["ref~=^layer-"]).map(\.ref) == ["layer-a", "layer-b"])
            #expect(try store.listStatuses(filters: ["ref==manifest", "ref==layer-a"]).map(\.ref) == ["layer-a", "manifest"])
            expectBerthError(.invalidArgument) { try store.listStatuses(filters: ["ref=="]) }
        }
    }

    @Test func invalidRefsAndTotals() throws {
        try withTemporaryStore { store, _ in
            expectBerthError(.invalidArgument, "ref must not be empty") { try store.writer(ref: "") }
            expectBerthError(.invalidArgument) { try store.writer(ref: "x", total: -1) }
            expectBerthError(.notFound, "ref unknown") { try store.status(ref: "unknown") }
        }
    }

    /// Refs are hashed into the ingest directory name, so none can reach outside it.
    @Test(arguments: ["../../escape", "../", "..", ".", "a/b/c", "/etc/passwd", "blobs/../../x", "name\u{0}nul", "ünïcødé 🚀"])
    func refsCannotEscapeTheIngestRoot(_ ref: String) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/nested/content"
        let store = try LocalContentStore(root: root, lockAttempts: 1)
        let before = contents(of: directory)
        let writer = try store.writer(ref: ref)
        try writer.write([1, 2, 3])
        #expect(try writer.status().ref == ref)
        writer.close()

        let names = contents(of: root + "/ingest")
        #expect(names.count == 1)
        #expect(names.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isHexDigit) })
        #expect(contents(of: directory) == before)
        #expect(contents(of: root) == ["blobs", "ingest"])
        #expect(try store.status(ref: ref).ref == ref)
        #expect(try store.listStatuses().map(\.ref) == [ref])
        try store.abort(ref: ref)
        #expect(contents(of: root + "/ingest") == [])
    }
}
