import Archive
import BerthCore
import Foundation
import Testing

/// gzip layers go through ISA-L: members one after another, checksums, and input in any chunk size.
extension LayerApplierTests {
    /// A tar of a few files, plain and as gzip(1) compresses it.
    func gzipFixture() throws -> (tar: String, gzip: Data) {
        let tar = try makeTar("g.tar", """
            add("etc/hostname", b"berth\\n")
            add("bin/data", bytes(range(256)) * 3000)
            add("bin/link", type=tarfile.SYMTYPE, linkname="data")
            """)
        return (tar, try run("/bin/gzip", "-c", tar))
    }

    func apply(bytes: Data, chunk: Int = 1 << 20) throws -> AppliedLayer {
        var offset = 0
        return try LayerApplier.apply(to: root, style: .remove) { buffer in
            let count = min(chunk, buffer.count, bytes.count - offset)
            bytes.copyBytes(to: buffer, from: offset..<(offset + count))
            offset += count
            return count
        }
    }

    @Test func gzipMembersInSequenceAndTrailingZerosApply() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (tar, _) = try gzipFixture()
        let plain = try Data(contentsOf: URL(fileURLWithPath: tar))
        let half = plain.count / 2
        try plain.prefix(half).write(to: URL(fileURLWithPath: work + "/a"))
        try plain.dropFirst(half).write(to: URL(fileURLWithPath: work + "/b"))
        let members = try run("/bin/gzip", "-c", work + "/a") + run("/bin/gzip", "-c", work + "/b")
        let applied = try apply(bytes: members + Data(count: 512))
        #expect(applied.diffID == (try sha256(tar)))
        #expect(try String(contentsOfFile: root + "/etc/hostname", encoding: .utf8) == "berth\n")
    }

    @Test(arguments: [1, 7, 4096])
    func gzipArrivingInSmallPiecesApplies(_ chunk: Int) throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let (tar, gzip) = try gzipFixture()
        let applied = try apply(bytes: gzip, chunk: chunk)
        #expect(applied.diffID == (try sha256(tar)))
        #expect((try FileManager.default.attributesOfItem(atPath: root + "/bin/data")[.size] as? Int) == 768_000)
    }

    @Test func aGzipLayerWithAWrongChecksumIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        var gzip = try gzipFixture().gzip
        gzip[gzip.count - 8] ^= 0xff  // the trailer's CRC-32
        let error = #expect(throws: BerthError.self) { _ = try apply(bytes: gzip) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message == "layer decompression failed: gzip: its checksum does not match")
    }

    @Test func aGzipLayerWithBrokenDeflateDataIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        var gzip = try gzipFixture().gzip
        for index in stride(from: 20, to: min(gzip.count - 8, 400), by: 3) { gzip[index] = 0xff }
        let error = #expect(throws: BerthError.self) { _ = try apply(bytes: gzip) }
        #expect(error?.kind == .invalidArgument)
        #expect(error?.message.hasPrefix("layer") == true, "\(String(describing: error))")
    }

    @Test func aGzipLayerCutShortIsRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let gzip = try gzipFixture().gzip
        let error = #expect(throws: BerthError.self) { _ = try apply(bytes: gzip.prefix(gzip.count - 4)) }
        #expect(error?.kind == .invalidArgument)
    }
}
