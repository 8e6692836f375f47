import BerthCore
import CLinux
import Foundation
import Testing

@testable import ContentStore

/// A pipelined ingest's bytes past `DirectWriteStage.threshold` go to the file with O_DIRECT, through a staging
/// buffer: every byte arrives, in order, whatever the chunk sizes; closing puts the staged bytes in the file, a
/// kill loses them and the next writer resumes from the file; a file system without O_DIRECT is written through
/// the cache. Reading such a blob back in sequence asks the kernel for what comes next.
@Suite(.serialized) struct DirectWriteTests {
    static let size = Int(DirectWriteStage.threshold) + (24 << 20) + 1
    /// Odd on purpose: the stage starts at an unaligned offset, and chunks straddle its buffer.
    static let chunk = (1 << 20) + 13

    static func feed(_ writer: ContentWriter, _ bytes: ArraySlice<UInt8>) throws {
        var at = bytes.startIndex
        while at < bytes.endIndex {
            let piece = bytes[at..<min(at + chunk, bytes.endIndex)]
            try piece.withUnsafeBytes { try writer.accept($0) }
            piece.withUnsafeBytes { writer.writeAccepted($0) }
            at += piece.count
        }
    }

    /// Pages of `path` in the page cache from `offset` on, as a fraction of those pages.
    static func residentFraction(_ path: String, from offset: Int, length: Int? = nil) throws -> Double {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        let length = length ?? Int(lseek(fd, 0, SEEK_END)) - offset
        let mapping = mmap(nil, length, PROT_READ, MAP_SHARED, fd, off_t(offset))
        try #require(mapping != MAP_FAILED)
        defer { munmap(mapping, length) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        var vector = [UInt8](repeating: 0, count: (length + page - 1) / page)
        try #require(mincore(mapping, length, &vector) == 0)
        return Double(vector.filter { $0 & 1 == 1 }.count) / Double(vector.count)
    }

    @Test func bulkBytesPastTheThresholdArriveAroundThePageCache() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(Self.size, seed: 21)
            let writer = try store.writer(ref: "bulk")
            try Self.feed(writer, bytes[...])
            let committed = try writer.commit(size: Int64(bytes.count), expected: digest(bytes))
            // The first `threshold` bytes stay cached for a read right after; the rest went to the disk directly.
            let resident = try Self.residentFraction(store.blobPath(committed), from: Int(DirectWriteStage.threshold) + (1 << 20))
            #expect(resident < 0.2, "\(Int(resident * 100)) % of the direct part is in the page cache")
            #expect(try readAll(store, committed) == bytes)
        }
    }

    /// Feeds a blob up to a cut 6 MiB past the threshold, ends the writer with `end`, and opens a new one.
    static func cutShort(
        _ store: LocalContentStore, seed: UInt64, end: (ContentWriter) -> Void
    ) throws -> (bytes: [UInt8], cut: Int, resumed: ContentWriter) {
        let bytes = randomBytes(size, seed: seed)
        let cut = Int(DirectWriteStage.threshold) + (6 << 20) + 4097
        let writer = try store.writer(ref: "cut")
        try feed(writer, bytes[..<cut])
        end(writer)
        return (bytes, cut, try store.writer(ref: "cut"))
    }

    @Test func closingMidStagePutsEveryAcceptedByteInTheFile() throws {
        try withTemporaryStore { store, _ in
            let (bytes, cut, resumed) = try Self.cutShort(store, seed: 22) { $0.close() }
            #expect(try resumed.status().offset == Int64(cut))
            try Self.feed(resumed, bytes[cut...])
            #expect(try resumed.commit(expected: digest(bytes)) == digest(bytes))
        }
    }

    @Test func aKillMidStageLosesOnlyStagedBytesAndResumesFromTheFile() throws {
        try withTemporaryStore { store, _ in
            let (bytes, cut, resumed) = try Self.cutShort(store, seed: 23) { $0.abandonAsIfKilled() }
            let offset = try Int(resumed.status().offset)
            #expect(offset < cut && offset >= Int(DirectWriteStage.threshold), "resumed at \(offset)")
            try Self.feed(resumed, bytes[offset...])
            #expect(try resumed.commit(expected: digest(bytes)) == digest(bytes))
        }
    }

    @Test func aFileSystemWithoutDirectIOIsWrittenThroughTheCache() throws {
        let mountPoint = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: mountPoint) }
        try #require(mount("tmpfs", mountPoint, "tmpfs", 0, "size=256m") == 0, "mount tmpfs: errno \(errno)")
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let store = try LocalContentStore(root: mountPoint + "/content")
        let bytes = randomBytes(Self.size, seed: 24)
        let writer = try store.writer(ref: "tmpfs")
        try Self.feed(writer, bytes[...])
        let committed = try writer.commit(size: Int64(bytes.count), expected: digest(bytes))
        #expect(try readAll(store, committed) == bytes)
    }

    /// A reader that goes on where its last read ended asks the kernel for the next window, so a blob that is not
    /// in the page cache arrives in large requests ahead of the reader.
    @Test func sequentialReadsAnnounceTheNextWindow() throws {
        try withTemporaryStore { store, _ in
            let bytes = randomBytes(32 << 20, seed: 25)
            let writer = try store.writer(ref: "cold")
            try writer.write(bytes)
            let committed = try writer.commit()
            let path = store.blobPath(committed)
            // Out of the page cache, as a blob written around it.
            let fd = open(path, O_RDONLY)
            try #require(fd >= 0)
            #expect(posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED) == 0)
            close(fd)
            try #require(try Self.residentFraction(path, from: 4 << 20) < 0.1)

            let reader = try store.reader(committed)
            defer { reader.close() }
            #expect(try reader.read(at: 0, count: 1 << 20) == Array(bytes[..<(1 << 20)]))
            #expect(try reader.read(at: 1 << 20, count: 1 << 20) == Array(bytes[(1 << 20)..<(2 << 20)]))
            // The window after the second read: far beyond the kernel's own readahead.
            var resident = 0.0
            for _ in 0..<50 where resident < 0.9 {
                usleep(20_000)
                resident = try Self.residentFraction(path, from: 4 << 20, length: 4 << 20)
            }
            #expect(resident >= 0.9, "\(Int(resident * 100)) % of the next window is in the page cache")
        }
    }
}
