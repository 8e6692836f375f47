import Archive
import BerthCore
import CLinux
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Real trees diffed with LayerDiffer, read back with GNU tar and Python's tarfile, and applied with LayerApplier.
@Suite struct LayerDifferTests {
    let work: String

    init() throws {
        work = "/tmp/berth-diff-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
    }

    /// Diffs into the file `name` under the work dir.
    func diff(_ source: DiffSource, compression: LayerCompression = .gzip, to name: String) throws -> (DiffedLayer, String) {
        let path = work + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        let layer = try LayerDiffer.diff(source, compression: compression) { try handle.write(contentsOf: Data($0)) }
        return (layer, path)
    }

    func apply(_ layer: String, to root: String, style: WhiteoutStyle) throws {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: layer))
        defer { try? handle.close() }
        _ = try LayerApplier.apply(to: root, style: style) { buffer in
            let data = handle.readData(ofLength: buffer.count)
            data.copyBytes(to: buffer)
            return data.count
        }
    }

    func emptyTree(_ name: String) throws -> Tree {
        let tree = Tree(root: work + "/" + name)
        try tree.directory("")
        return tree
    }

    /// file capabilities v2: cap_net_raw permitted and effective.
    static let capability: [UInt8] = [1, 0, 0, 2, 0, 0x20, 0, 0] + [UInt8](repeating: 0, count: 12)

    @Test func treeDiffAppliedToTheLowerTreeGivesTheUpperTree() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lower = try emptyTree("lower")
        try lower.file("etc/config", "alpha")
        try lower.file("etc/unchanged", "same")
        try lower.file("etc/gone", "bye")
        try lower.file("etc/samesize", "aaaa")
        try lower.mtime("etc/samesize", seconds: 1_600_000_000)
        try lower.file("etc/touched", "t")
        try lower.mtime("etc/touched", seconds: 1_600_000_000, nanoseconds: 5)
        try lower.file("bin/tool", "tool", mode: 0o755)
        try lower.file("home/user/file", "data", mode: 0o600, owner: (1000, 1000))
        try lower.file("var/cache/a/b", "x")
        try lower.file("var/cache/c", "c")
        try lower.file("var/keep", "k")
        try lower.file("opt/thing/child", "c")
        try lower.file("srv/data", "a file")
        try lower.file("share/x", "shared")
        try lower.hardLink("share/y", to: "share/x")
        try lower.file("links/orig", "o")
        try lower.file("links/bbb", "b")
        try lower.directory("sym")
        try lower.symlink("sym/link", to: "target-a")
        try lower.mtime("sym/link", seconds: 1_600_000_000)
        try lower.file("attrs/file", "v")
        try lower.xattr("attrs/file", "user.note", "one")
        try lower.mtime("attrs/file", seconds: 1_600_000_000, nanoseconds: 7)
        try lower.file("replaced/old", "old")
        try lower.directory("tdir")
        try lower.xattr("tdir", "trusted.berth", "t")
        try lower.file("caf\u{e9}", "composed")
        try lower.directory("secret", mode: 0o700, owner: (1000, 1000))
        try lower.file("secret/s", "s")

        let upper = try lower.copy(to: work + "/upper")
        try upper.overwrite("etc/config", "alpha, modified")
        try upper.remove("etc/gone")
        // Same size and whole-second mtime: only the contents tell.
        try upper.overwrite("etc/samesize", "bbbb")
        try upper.mtime("etc/samesize", seconds: 1_600_000_000)
        try upper.mtime("etc/touched", seconds: 1_600_000_000, nanoseconds: 6)
        #expect(chmod(upper.path("bin/tool"), 0o4755) == 0)
        #expect(chown(upper.path("home/user/file"), 1234, 5678) == 0)
        try upper.remove("var/cache")
        try upper.remove("opt/thing")
        try upper.file("opt/thing", "now a file")
        try upper.remove("srv/data")
        try upper.file("srv/data/inner", "now a directory")
        try upper.overwrite("share/x", "shared, modified")
        // New names for unchanged files: sorted after (links/orig) and before (links/bbb) the new name.
        try upper.hardLink("links/new", to: "links/orig")
        try upper.hardLink("links/zzz", to: "links/bbb")
        try upper.remove("sym/link")
        try upper.symlink("sym/link", to: "target-b")
        try upper.mtime("sym/link", seconds: 1_600_000_000)
        try upper.xattr("attrs/file", "user.note", "two")
        try upper.mtime("attrs/file", seconds: 1_600_000_000, nanoseconds: 7)
        try upper.remove("replaced")
        try upper.file("replaced/fresh", "fresh")
        try upper.file("tdir/new", "n")
        try upper.file("cafe\u{301}", "decomposed")
        try upper.file("secret/added", "a")
        try upper.file("odd/nomode", "", mode: 0)
        try upper.directory("odd/sticky", mode: 0o1777)
        try upper.file("odd/setgid", "g", mode: 0o2755, owner: (4242, 4343))
        try upper.file("newdir/with/file", "deep")
        try upper.directory("dev")
        try upper.fifo("dev/fifo")
        try upper.device("dev/null", type: S_IFCHR, major: 1, minor: 3)
        try upper.device("dev/loop0", type: S_IFBLK, major: 7, minor: 0, mode: 0o660)
        try upper.symlink("sym/new", to: "../etc/config")
        try upper.file("attrs/new", "x", mode: 0o755)
        try upper.xattr("attrs/new", "user.a", "1")
        try upper.xattr("attrs/new", "trusted.b", "2")
        try upper.xattr("attrs/new", "security.capability", Self.capability)
        let expected = try TreeSnapshot(upper.root)
        #expect(expected.entry("cafe\u{301}") != nil && expected.entry("caf\u{e9}") != nil)

        let (layer, path) = try diff(.directories(lower: lower.root, upper: upper.root), to: "layer.tar.gz")
        #expect(layer.mediaType == "application/vnd.oci.image.layer.v1.tar+gzip")
        #expect(layer.digest == (try sha256(ofOutput: "cat \(path)")))
        #expect(layer.size == (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int64))
        #expect(layer.diffID == (try sha256(ofOutput: "gzip -dc \(path)")))
        let tarSize = String(decoding: try run("/bin/bash", "-c", "gzip -dc \(path) | wc -c"), as: UTF8.self)
        #expect(layer.uncompressedSize == Int64(tarSize.trimmingCharacters(in: .whitespacesAndNewlines)))

        // GNU tar reads it; deletions are whiteouts, unchanged files are left out, parents come first.
        let listing = String(decoding: try run("/usr/bin/tar", "-tzf", path), as: UTF8.self).split(separator: "\n").map(String.init)
        for name in ["etc/.wh.gone", "var/.wh.cache", "replaced/.wh.old", "etc/config", "etc/samesize", "etc/touched", "sym/link",
                     "attrs/file", "secret/", "tdir/", "cafe\u{301}", "opt/thing", "srv/data/", "dev/null"] {
            #expect(listing.contains { $0.utf8.elementsEqual(name.utf8) }, "\(name) missing from \(listing)")
        }
        for name in ["etc/unchanged", "var/keep", "caf\u{e9}", "secret/s", "var/cache/c"] {
            #expect(!listing.contains { $0.utf8.elementsEqual(name.utf8) }, "\(name) is unchanged but in the layer")
        }
        #expect(listing.filter { $0.hasPrefix("var/cache/") }.isEmpty)
        for (index, name) in listing.enumerated() {
            let parent = EntryPaths.parent(name.hasSuffix("/") ? String(name.dropLast()) : name)
            #expect(parent.isEmpty || listing[..<index].contains(parent + "/"), "\(name) comes before its parent")
        }
        #expect(Set(listing.map { Array($0.utf8) }).count == listing.count)

        // Shared inodes: one entry with the data, hard links to it, unchanged names included.
        let entries = try TarListing(path)
        #expect(entries["share/x"]?.type == "0" && entries["share/y"]?.type == "1" && entries["share/y"]?.linkname == "share/x")
        #expect(entries["links/new"]?.type == "0" && entries["links/orig"]?.linkname == "links/new")
        #expect(entries["links/zzz"]?.type == "0" && entries["links/bbb"]?.linkname == "links/zzz")
        #expect(entries["dev/loop0"]?.type == "4" && entries["dev/loop0"]?.devmajor == 7)
        #expect(entries["attrs/new"]?.pax.contains("SCHILY.xattr.security.capability") == true)
        #expect(entries.all.allSatisfy { $0.pax.allSatisfy { !$0.hasPrefix("LIBARCHIVE.") } })

        // Applied onto a copy of the lower tree, the layer gives the upper tree.
        let applied = try lower.copy(to: work + "/applied")
        try apply(path, to: applied.root, style: .remove)
        let differences = try TreeSnapshot(applied.root).differences(from: expected)
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test func overlayUpperDirBecomesWhiteoutsAndOpaqueMarkers() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let upper = try emptyTree("upper")
        try upper.file("d/kept", "k")
        try upper.device("d/old", type: S_IFCHR, major: 0, minor: 0, mode: 0)
        try upper.device("gone", type: S_IFCHR, major: 0, minor: 0, mode: 0)
        try upper.file("opq/child", "c")
        try upper.xattr("opq", "trusted.overlay.opaque", "y")
        try upper.xattr("opq", "user.tag", "o")
        // "x" marks a directory holding xattr whiteouts (composefs), not an opaque one.
        try upper.directory("notopaque")
        try upper.xattr("notopaque", "trusted.overlay.opaque", "x")
        try upper.file("file", "f")
        try upper.xattr("file", "trusted.overlay.origin", [0, 1, 2])
        try upper.xattr("file", "user.keep", "k")
        try upper.file("h1", "shared")
        try upper.hardLink("h2", to: "h1")
        try upper.directory("dev")
        try upper.device("dev/null", type: S_IFCHR, major: 1, minor: 3)

        let (layer, path) = try diff(.overlayUpper(upper.root), compression: .none, to: "upper.tar")
        #expect(layer.mediaType == "application/vnd.oci.image.layer.v1.tar")
        #expect(layer.digest == layer.diffID && layer.size == layer.uncompressedSize)
        #expect(layer.diffID == (try sha256(ofOutput: "cat \(path)")))
        let entries = try TarListing(path)
        #expect(entries.all.map(\.name) == [
            "d", "d/kept", "d/.wh.old", "dev", "dev/null", "file", ".wh.gone", "h1", "h2", "notopaque", "opq",
            "opq/.wh..wh..opq", "opq/child",
        ])
        #expect(entries[".wh.gone"]?.type == "0" && entries[".wh.gone"]?.size == 0)
        #expect(entries["opq/.wh..wh..opq"]?.type == "0")
        #expect(entries["dev/null"]?.type == "3" && entries["dev/null"]?.devminor == 3)
        #expect(entries["h2"]?.type == "1" && entries["h2"]?.linkname == "h1")
        #expect(entries["file"]?.pax.contains("SCHILY.xattr.user.keep") == true)
        #expect(entries["opq"]?.pax.contains("SCHILY.xattr.user.tag") == true)
        #expect(entries.all.allSatisfy { $0.pax.allSatisfy { !$0.contains("trusted.overlay") } })

        // Applied to an empty upper dir, the layer makes the same upper dir again.
        let applied = try emptyTree("applied")
        try apply(path, to: applied.root, style: .overlay)
        let differences = try TreeSnapshot(applied.root).differences(from: TreeSnapshot(upper.root))
        #expect(differences.isEmpty, "\(differences)")
        var value = [UInt8](repeating: 0, count: 4)
        #expect(lgetxattr(applied.path("opq"), "trusted.overlay.opaque", &value, 4) == 1 && value[0] == UInt8(ascii: "y"))
        #expect(lgetxattr(applied.path("notopaque"), "trusted.overlay.opaque", &value, 4) < 0)
    }

    @Test func overlayUpperDirsThatNeedTheirLowersAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let upper = try emptyTree("upper")
        try upper.directory("moved")
        try upper.xattr("moved", "trusted.overlay.redirect", "/original")
        let error = #expect(throws: BerthError.self) { _ = try diff(.overlayUpper(upper.root), to: "refused.tar.gz") }
        #expect(error?.kind == .failedPrecondition)
    }

    @Test(arguments: [(LayerCompression.none, "cat"), (.gzip, "gzip -dc"), (.zstd, "zstd -dcq")])
    func aTreeAgainstNothingIsAllAdditionsAndDiffsTheSameEachTime(_ compression: LayerCompression, _ decompress: String) throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let upper = try emptyTree("upper")
        try upper.file("a/b", String(repeating: "layer ", count: 50_000))
        try upper.file("c", "c", mode: 0o600, owner: (7, 8))
        try upper.symlink("l", to: "a/b")
        let (first, path) = try diff(.directories(lower: nil, upper: upper.root), compression: compression, to: "one")
        let (second, _) = try diff(.directories(lower: nil, upper: upper.root), compression: compression, to: "two")
        #expect(first == second)
        #expect(first.mediaType == compression.mediaType && LayerCompression(mediaType: first.mediaType) == compression)
        #expect(first.diffID == (try sha256(ofOutput: "\(decompress) \(path)")))
        #expect(first.digest == (try sha256(ofOutput: "cat \(path)")))
        let applied = try emptyTree("applied")
        try apply(path, to: applied.root, style: .remove)
        let differences = try TreeSnapshot(applied.root).differences(from: TreeSnapshot(upper.root))
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test func identicalTreesMakeTheEmptyLayer() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lower = try emptyTree("lower")
        try lower.file("a/b", "b")
        try lower.symlink("a/l", to: "b")
        let upper = try lower.copy(to: work + "/upper")
        let (layer, _) = try diff(.directories(lower: lower.root, upper: upper.root), compression: .none, to: "empty.tar")
        // Two zero records, as Go's archive/tar ends a tar: the diff ID every tool gives an empty layer.
        #expect(layer.uncompressedSize == 1024)
        #expect(layer.diffID == "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef")
    }

    @Test func mediaTypesMapToCompressions() {
        defer { try? FileManager.default.removeItem(atPath: work) }
        #expect(LayerCompression(mediaType: "") == .gzip)
        #expect(LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar") == LayerCompression.none)
        #expect(LayerCompression(mediaType: "application/vnd.oci.image.layer.v1.tar+zstd") == .zstd)
        #expect(LayerCompression(mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip") == nil)
    }

    @Test func aFailingWriterStopsTheDiff() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let upper = try emptyTree("upper")
        try upper.file("big", String(repeating: "x", count: 3 << 20))
        var calls = 0
        let error = #expect(throws: TestError.self) {
            _ = try LayerDiffer.diff(.directories(lower: nil, upper: upper.root), compression: .none) { _ in
                calls += 1
                throw TestError("disk full")
            }
        }
        #expect(error?.description == "disk full")
        #expect(calls == 1)
    }
}

/// A tar's entries as Python's tarfile (an independent reader) sees them.
struct TarListing {
    struct Entry: Decodable {
        var name: String
        var type: String
        var linkname: String
        var size: Int
        var devmajor: Int
        var devminor: Int
        var pax: [String]
    }

    let all: [Entry]

    init(_ path: String) throws {
        let script = """
            import tarfile, sys, json
            with tarfile.open(sys.argv[1], "r:*") as t:
                print(json.dumps([{"name": m.name, "type": m.type.decode(), "linkname": m.linkname, "size": m.size,
                    "devmajor": m.devmajor, "devminor": m.devminor, "pax": sorted(m.pax_headers)} for m in t]))
            """
        all = try JSONDecoder().decode([Entry].self, from: run("/usr/bin/env", "python3", "-c", script, path))
    }

    subscript(name: String) -> Entry? { all.first { $0.name == name } }
}
