import FuzzSupport
import Archive
import BerthCore
import Foundation
import Testing

/// Bounded, seeded random-input tests for LayerApplier: random bytes and mutated tar and gzip streams,
/// applied into a fresh directory, must succeed or throw, and never write beside or above that directory.
@Suite struct LayerApplierFuzzTests {

    /// A ustar member: type "0" file, "1" hard link, "2" symlink, "5" directory, "6" fifo.
    struct Member {
        var name: String
        var type: UInt8 = UInt8(ascii: "0")
        var data: [UInt8] = []
        var link = ""
        var mode = 0o644
    }

    static func octal(_ value: Int, width: Int) -> [UInt8] {
        let digits = Array(String(value, radix: 8).utf8)
        return [UInt8](repeating: UInt8(ascii: "0"), count: width - 1 - digits.count) + digits + [0]
    }

    /// A ustar stream, and the offsets of its header blocks (for checksum-preserving mutations).
    static func tar(_ members: [Member]) -> (bytes: [UInt8], headers: [Int]) {
        var out: [UInt8] = []
        var headers: [Int] = []
        for member in members {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ bytes: [UInt8], at offset: Int) { header.replaceSubrange(offset..<offset + bytes.count, with: bytes) }
            put(Array(member.name.utf8.prefix(100)), at: 0)
            put(octal(member.mode, width: 8), at: 100)
            put(octal(0, width: 8), at: 108)
            put(octal(0, width: 8), at: 116)
            put(octal(member.data.count, width: 12), at: 124)
            put(octal(1_700_000_000, width: 12), at: 136)
            header[156] = member.type
            put(Array(member.link.utf8.prefix(100)), at: 157)
            put(Array("ustar\u{0}00".utf8), at: 257)
            fixChecksum(&header, at: 0)
            headers.append(out.count)
            out += header
            out += member.data
            out += [UInt8](repeating: 0, count: (512 - member.data.count % 512) % 512)
        }
        return (out + [UInt8](repeating: 0, count: 1024), headers)
    }

    static func fixChecksum(_ bytes: inout [UInt8], at offset: Int) {
        guard offset + 512 <= bytes.count else { return }
        bytes.replaceSubrange(offset + 148..<offset + 156, with: [UInt8](repeating: UInt8(ascii: " "), count: 8))
        let sum = bytes[offset..<offset + 512].reduce(0) { $0 + Int($1) }
        bytes.replaceSubrange(offset + 148..<offset + 155, with: octal(sum, width: 7))
    }

    /// gzip with one stored (uncompressed) deflate block: enough for libarchive's gzip filter to run.
    static func gzip(_ data: [UInt8]) -> [UInt8] {
        precondition(data.count <= 0xFFFF)
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in data {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        crc ^= 0xFFFF_FFFF
        func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
        let length = UInt16(data.count)
        return [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 1]
            + [UInt8(length & 0xFF), UInt8(length >> 8), UInt8(~length & 0xFF), UInt8(~length >> 8)]
            + data + le32(crc) + le32(UInt32(data.count))
    }

    static let benign = tar([
        Member(name: "dir/", type: UInt8(ascii: "5"), mode: 0o755),
        Member(name: "dir/file", data: Array("hello".utf8)),
        Member(name: "dir/sub/.wh.gone"),
        Member(name: "dir/.wh..wh..opq"),
        Member(name: "abs-link", type: UInt8(ascii: "2"), link: "/etc/passwd"),
        Member(name: "hard", type: UInt8(ascii: "1"), link: "dir/file"),
        Member(name: "fifo", type: UInt8(ascii: "6")),
    ])
    /// Each member tries to leave the root: through `..`, an absolute path, a symlink, a hard link.
    static let hostile = tar([
        Member(name: "../outside-dotdot", data: Array("x".utf8)),
        Member(name: "/berth-fuzz-absolute", data: Array("x".utf8)),
        Member(name: "up", type: UInt8(ascii: "2"), link: ".."),
        Member(name: "up/outside-via-symlink", data: Array("x".utf8)),
        Member(name: "sentinel-link", type: UInt8(ascii: "2"), link: "../sentinel"),
        Member(name: "sentinel-link", data: Array("overwritten".utf8)),
        Member(name: "hard-out", type: UInt8(ascii: "1"), link: "../sentinel"),
        Member(name: "dir/../../outside-nested", data: Array("x".utf8)),
    ])

    static func mutate(_ seed: (bytes: [UInt8], headers: [Int]), _ rng: inout SplitMix64) -> [UInt8] {
        var bytes = seed.bytes
        for _ in 0..<Int.random(in: 1...4, using: &rng) {
            switch Int.random(in: 0..<6, using: &rng) {
            case 0, 1:
                // A header field changed with its checksum fixed, so libarchive reads past the checksum test.
                guard let header = seed.headers.randomElement(using: &rng) else { continue }
                var field = Int.random(in: 0..<500, using: &rng)
                if (148..<156).contains(field) { field = 156 }
                guard header + field < bytes.count else { continue }
                let choices = Array("0127563x./\u{0}".utf8) + [UInt8.random(in: 0...255, using: &rng)]
                bytes[header + field] = choices.randomElement(using: &rng)!
                fixChecksum(&bytes, at: header)
            case 2 where !bytes.isEmpty:
                let i = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[i] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            case 3 where !bytes.isEmpty:
                bytes.removeLast(Int.random(in: 0...bytes.count, using: &rng))
            case 4 where !bytes.isEmpty:
                let start = Int.random(in: 0..<bytes.count, using: &rng)
                let end = Int.random(in: start...min(bytes.count, start + 1024), using: &rng)
                bytes.insert(contentsOf: bytes[start..<end], at: Int.random(in: 0...bytes.count, using: &rng))
            default:
                bytes.insert(UInt8.random(in: 0...255, using: &rng), at: Int.random(in: 0...bytes.count, using: &rng))
            }
        }
        return bytes
    }

    /// Removes `path`, first making its directories writable: a layer may create a mode 000 directory,
    /// which a test not running as root could not otherwise empty.
    static func removeTree(_ path: String) {
        func unlock(_ path: String) {
            var info = stat()
            guard lstat(path, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return }
            chmod(path, 0o700)
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { unlock(path + "/" + name) }
        }
        unlock(path)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Applies `bytes` into `work/root` from a fresh start; true when the applier threw.
    static func apply(_ bytes: [UInt8], work: String) throws -> Bool {
        let root = work + "/root"
        removeTree(root)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        var offset = 0
        do {
            _ = try LayerApplier.apply(to: root, style: .remove, limit: DecompressionLimit(maxBytes: 16 << 20)) { buffer in
                let count = min(buffer.count, bytes.count - offset)
                bytes.withUnsafeBytes { source in
                    buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[offset..<offset + count]))
                }
                offset += count
                return count
            }
            return false
        } catch is BerthError {
            return true
        }
    }

    @Test func randomAndMutatedLayersStayInsideTheRoot() throws {
        let work = "/tmp/berth-layer-fuzz-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { Self.removeTree(work) }
        try Data("sentinel".utf8).write(to: URL(fileURLWithPath: work + "/sentinel"))

        var rng = SplitMix64(state: 0x1A7E_12)
        let iterations = 1500
        var rejected = 0
        for i in 0..<iterations {
            let seed = i.isMultiple(of: 2) ? Self.benign : Self.hostile
            let bytes: [UInt8]
            switch i % 5 {
            case 0: bytes = (0..<Int.random(in: 1...2048, using: &rng)).map { _ in UInt8.random(in: 0...255, using: &rng) }
            case 1:
                bytes = Self.gzip(Self.mutate(seed, &rng))
            case 2:
                // A damaged gzip stream: a flipped byte past the header, or cut short.
                var gzip = Self.gzip(Self.mutate(seed, &rng))
                if gzip.count > 12 {
                    let at = Int.random(in: 10..<gzip.count, using: &rng)
                    if Bool.random(using: &rng) { gzip[at] ^= UInt8.random(in: 1...255, using: &rng) } else { gzip.removeLast(gzip.count - at) }
                }
                bytes = gzip
            default: bytes = Self.mutate(seed, &rng)
            }
            if try Self.apply(bytes, work: work) { rejected += 1 }
            let beside = try FileManager.default.contentsOfDirectory(atPath: work).sorted()
            try #require(beside == ["root", "sentinel"], "iteration \(i) wrote beside the root: \(beside)")
            let sentinel = try String(contentsOfFile: work + "/sentinel", encoding: .utf8)
            try #require(sentinel == "sentinel", "iteration \(i) changed a file outside the root")
            try #require(!FileManager.default.fileExists(atPath: "/berth-fuzz-absolute"), "iteration \(i)")
        }
        print("fuzz layerApplier: \(iterations) inputs, \(rejected) rejected")
    }

    @Test func unmutatedSeedsApplyOrRejectInside() throws {
        let work = "/tmp/berth-layer-fuzz-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { Self.removeTree(work) }
        try Data("sentinel".utf8).write(to: URL(fileURLWithPath: work + "/sentinel"))
        #expect(try !Self.apply(Self.benign.bytes, work: work))
        #expect(FileManager.default.fileExists(atPath: work + "/root/dir/file"))
        #expect(try !Self.apply(Self.gzip(Self.benign.bytes), work: work))
        var rejected = 0
        if try Self.apply(Self.hostile.bytes, work: work) { rejected += 1 }
        #expect(try FileManager.default.contentsOfDirectory(atPath: work).sorted() == ["root", "sentinel"])
        #expect(try String(contentsOfFile: work + "/sentinel", encoding: .utf8) == "sentinel")
        print("fuzz layerApplierSeeds: 3 inputs, \(rejected) rejected")
    }

    /// Layers libarchive cannot open (empty; a gzip stream cut short) are refused. They used to crash the
    /// process: `DecompressedStream.init` freed its archive and threw, and `deinit` freed it again.
    @Test func unreadableLayersAreRefusedNotFatal() throws {
        let work = "/tmp/berth-layer-fuzz-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { Self.removeTree(work) }
        try Data("sentinel".utf8).write(to: URL(fileURLWithPath: work + "/sentinel"))
        #expect(try Self.apply([], work: work), "an empty layer was accepted")
        #expect(try Self.apply(Array(Self.gzip(Self.benign.bytes).prefix(100)), work: work), "a truncated gzip layer was accepted")
    }
}
