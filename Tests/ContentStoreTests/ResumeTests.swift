import BerthCore
import Foundation
import Testing

@testable import ContentStore

@Suite struct ResumeTests {
    @Test func resumeAfterClose() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(256, seed: 20)
            let expected = digest(bytes)
            let preStart = Date()
            let first = try store.writer(ref: "cb", total: 256, expected: expected)
            let postStart = Date()
            try first.write(Array(bytes[..<128]))
            let before = try first.status()
            #expect(before.offset == 128 && before.total == 256 && before.expected == expected)
            expectWithin(before.startedAt, preStart, postStart)
            #expect(first.digest == digest(Array(bytes[..<128])))
            first.close()
            first.close()

            let second = try store.writer(ref: "cb", total: 256, expected: expected)
            let resumed = try second.status()
            #expect(resumed.offset == 128 && resumed.total == 256 && resumed.expected == expected)
            #expect(resumed.startedAt == before.startedAt)
            #expect(resumed.updatedAt >= before.updatedAt)
            #expect(second.digest == digest(Array(bytes[..<128])))
            try second.write(Array(bytes[128...]))
            #expect(second.digest == expected)
            #expect(try second.commit(size: 0, expected: nil) == expected)
        }
    }

    /// A daemon killed mid-ingest: no close, no fsync, no updatedat; a new store instance resumes
    /// with the right offset and a hash that continues where the data ends.
    @Test(arguments: Digest.Algorithm.allCases)
    func resumeAfterRestart(_ algorithm: Digest.Algorithm) throws {
        let directory = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let root = directory + "/content"
        let bytes = randomBytes((3 << 20) + 333, seed: 21)
        let expected = digest(bytes, algorithm)
        let cut = (2 << 20) + 7

        let startedAt: Date
        do {
            let store = try LocalContentStore(root: root)
            let writer = try store.writer(ref: "restart", total: Int64(bytes.count), expected: expected)
            try write(writer, Array(bytes[..<cut]), chunk: 100_000)
            startedAt = try writer.status().startedAt
            writer.abandonAsIfKilled()
        }

        let store = try LocalContentStore(root: root + "/")
        let statuses = try store.listStatuses()
        #expect(statuses.count == 1)
        #expect(statuses.first?.ref == "restart")
        #expect(statuses.first?.offset == Int64(cut))
        #expect(statuses.first?.total == Int64(bytes.count))
        #expect(statuses.first?.expected == expected)
        #expect(statuses.first?.startedAt == startedAt)

        let writer = try store.writer(ref: "restart")
        #expect(try writer.status().offset == Int64(cut))
        #expect(try writer.status().total == Int64(bytes.count))
        #expect(writer.digest == digest(Array(bytes[..<cut]), algorithm))
        try write(writer, Array(bytes[cut...]))
        #expect(try writer.commit(size: Int64(bytes.count), expected: expected) == expected)
        #expect(try readAll(store, expected) == bytes)
    }

    /// containerd's checkResume: sizes × truncation points, resumed by appending or by truncate(0).
    @Test(arguments: [false, true])
    func resumeAtEveryTruncation(restartFromZero: Bool) throws {
        try withTemporaryStore { store, _ in
            for (i, size) in [500, 5000, 50_000].enumerated() {
                for (j, fraction) in [0.0, 0.1, 0.5, 0.9, 1.0].enumerated() {
                    let bytes = randomBytes(size, seed: UInt64(100 + i * 10 + j) + (restartFromZero ? 1000 : 0))
                    let expected = digest(bytes)
                    let limit = Int(Double(size) * fraction)
                    let ref = "ref-\(i)-\(j)"
                    var writer = try store.writer(ref: ref, total: Int64(size), expected: expected)
                    try writer.write(Array(bytes[..<limit]))
                    writer.close()

                    writer = try store.writer(ref: ref, total: Int64(size), expected: expected)
                    #expect(try writer.status().offset == Int64(limit))
                    if restartFromZero {
                        try writer.truncate(to: 0)
                        try write(writer, bytes, chunk: 1024)
                    } else {
                        try write(writer, Array(bytes[limit...]), chunk: 1024)
                    }
                    let preCommit = Date()
                    try writer.commit(size: Int64(size), expected: expected)
                    let postCommit = Date()
                    writer.close()
                    let info = try store.info(expected)
                    #expect(info.size == Int64(size))
                    expectWithin(info.createdAt, preCommit, postCommit)
                }
            }
        }
    }

    @Test func differentTotalStartsOver() throws {
        try withTemporaryStore { store, _ in
            let old = randomBytes(2000, seed: 22)
            var writer = try store.writer(ref: "total", total: 2000)
            try writer.write(old)
            writer.close()

            let bytes = randomBytes(1000, seed: 23)
            writer = try store.writer(ref: "total", total: 1000)
            let status = try writer.status()
            #expect(status.offset == 0 && status.total == 1000)
            try writer.write(bytes)
            // The old, longer data must not linger past the new end (containerd leaves it).
            #expect(try writer.commit(size: 1000, expected: digest(bytes)) == digest(bytes))
        }
    }

    @Test func resumeRecordsATotalThatWasUnknown() throws {
        try withTemporaryStore { store, _ in
            var writer = try store.writer(ref: "late-total")
            try writer.write([1, 2, 3])
            writer.close()
            writer = try store.writer(ref: "late-total", total: 10)
            #expect(try writer.status().total == 10)
            writer.close()
            #expect(try store.status(ref: "late-total").total == 10)
            #expect(try store.status(ref: "late-total").offset == 3)
        }
    }

    @Test func resumeKeepsTheRecordedAlgorithm() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(4000, seed: 24)
            let expected = digest(bytes, .sha384)
            var writer = try store.writer(ref: "sha384", expected: expected)
            try writer.write(Array(bytes[..<1000]))
            writer.close()
            // No expected digest this time: the ingest remembers it, and with it the algorithm.
            writer = try store.writer(ref: "sha384")
            #expect(try writer.status().expected == expected)
            #expect(writer.digest == digest(Array(bytes[..<1000]), .sha384))
            try writer.write(Array(bytes[1000...]))
            #expect(try writer.commit(size: 0, expected: nil) == expected)
        }
    }

    @Test func halfCreatedIngestStartsOver() throws {
        try withTemporaryStore { store, root in
            // Killed after mkdir and the ref file, before data: invisible, and a writer starts fresh.
            let directory = IngestDirectory(ingestRoot: root + "/ingest", ref: "half")
            try FileSystem.makeDirectory(directory.path)
            try FileSystem.writeFileAtomically(directory.refPath, Array("half".utf8))
            try FileSystem.writeFileAtomically(directory.path + "/startedat.tmp", Array("garbage".utf8))
            #expect(try store.listStatuses() == [])
            expectBerthError(.notFound, "ref half") { try store.status(ref: "half") }
            let writer = try store.writer(ref: "half")
            #expect(try writer.status().offset == 0)
            try writer.write([9])
            #expect(try writer.commit(size: 1, expected: nil) == digest([9]))
        }
    }

    @Test func corruptTimestampIsSkippedAndRestarted() throws {
        try withTemporaryStore { store, root in
            var writer = try store.writer(ref: "corrupt")
            try writer.write([1, 2, 3])
            writer.close()
            let directory = IngestDirectory(ingestRoot: root + "/ingest", ref: "corrupt")
            try FileSystem.writeFileAtomically(directory.startedAtPath, Array("not a time".utf8))
            #expect(try store.listStatuses() == [])
            expectBerthError(.unknown) { try store.status(ref: "corrupt") }
            writer = try store.writer(ref: "corrupt")
            #expect(try writer.status().offset == 0)
            writer.close()
            #expect(try store.status(ref: "corrupt").offset == 0)
        }
    }

    /// An ingest as containerd leaves it (local-time timestamps, no `expected` file) resumes.
    @Test func resumesAnIngestWrittenByContainerd() throws {
        try withTemporaryStore { store, root in
            let bytes = randomBytes(3000, seed: 25)
            let directory = IngestDirectory(ingestRoot: root + "/ingest", ref: "containerd-ref")
            try FileSystem.makeDirectory(directory.path)
            try Data("containerd-ref".utf8).write(to: URL(fileURLWithPath: directory.refPath))
            try Data("2024-03-01T10:00:00.123456789+01:00".utf8).write(to: URL(fileURLWithPath: directory.startedAtPath))
            try Data("2024-03-01T10:00:05+01:00".utf8).write(to: URL(fileURLWithPath: directory.updatedAtPath))
            try Data("3000".utf8).write(to: URL(fileURLWithPath: directory.totalPath))
            try Data(bytes[..<1234]).write(to: URL(fileURLWithPath: directory.dataPath))

            let status = try store.status(ref: "containerd-ref")
            #expect(status.offset == 1234 && status.total == 3000 && status.expected == nil)
            #expect(abs(status.startedAt.timeIntervalSince1970 - 1_709_283_600.123456789) < 1e-5)

            let writer = try store.writer(ref: "containerd-ref", total: 3000, expected: digest(bytes))
            #expect(try writer.status().offset == 1234)
            try writer.write(Array(bytes[1234...]))
            #expect(try writer.commit(size: 3000, expected: digest(bytes)) == digest(bytes))
        }
    }
}
