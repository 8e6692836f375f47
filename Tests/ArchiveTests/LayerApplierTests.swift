import Archive
import CLinux
import BerthCore
import Foundation
import Testing

/// Layers built with Python's tarfile (an independent tar writer), applied with LayerApplier.
@Suite struct LayerApplierTests {
    let work: String

    init() throws {
        work = "/tmp/berth-layer-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: work + "/root", withIntermediateDirectories: true)
    }

    var root: String { work + "/root" }

    /// Writes a tar at `name` from a Python snippet that adds members to `t` (a tarfile opened for writing).
    func makeTar(_ name: String, compression: String = "", _ members: String) throws -> String {
        let path = work + "/" + name
        let script = """
            import tarfile, io, sys
            t = tarfile.open(sys.argv[1], "w\(compression.isEmpty ? "" : ":" + compression)", format=tarfile.PAX_FORMAT)
            def add(name, data=b"", type=tarfile.REGTYPE, linkname="", mode=0o644, uid=0, gid=0, pax=None):
                info = tarfile.TarInfo(name)
                info.type = type; info.linkname = linkname; info.mode = mode; info.uid = uid; info.gid = gid
                info.size = len(data) if type == tarfile.REGTYPE else 0
                if pax: info.pax_headers = pax
                t.addfile(info, io.BytesIO(data) if type == tarfile.REGTYPE else None)
            \(members)
            t.close()
            """
        let python = Process()
        python.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        python.arguments = ["python3", "-c", script, path]
        try python.run()
        python.waitUntilExit()
        guard python.terminationStatus == 0 else { throw TestError("python tar writer failed") }
        return path
    }

    func apply(_ tar: String, style: WhiteoutStyle = .remove) throws -> AppliedLayer {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: tar))
        defer { try? handle.close() }
        return try LayerApplier.apply(to: root, style: style) { buffer in
            let data = handle.readData(ofLength: buffer.count)
            data.copyBytes(to: buffer)
            return data.count
        }
    }

    func sha256(_ path: String) throws -> String {
        let shasum = Process()
        shasum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        shasum.arguments = [path]
        let out = Pipe()
        shasum.standardOutput = out
        try shasum.run()
        shasum.waitUntilExit()
        return "sha256:" + String(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64))
    }

    @Test func appliesFilesLinksAndOwnershipAndReportsTheDiffID() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tar = try makeTar("plain.tar", """
            add("etc", type=tarfile.DIRTYPE, mode=0o755)
            add("etc/passwd", b"root:x:0:0::/root:/bin/sh\\n", uid=0)
            add("home/user/file", b"data", uid=1000, gid=1000, mode=0o600)
            add("bin/sh", type=tarfile.SYMTYPE, linkname="/bin/busybox")
            add("etc/passwd-link", type=tarfile.LNKTYPE, linkname="etc/passwd")
            add("run/fifo", type=tarfile.FIFOTYPE)
            add("xattr-file", b"x", pax={"SCHILY.xattr.user.berth": "yes"})
            """)
        let applied = try apply(tar)
        #expect(applied.diffID == (try sha256(tar)))
        #expect(applied.size == (try FileManager.default.attributesOfItem(atPath: tar)[.size] as? Int64))
        #expect(try String(contentsOfFile: root + "/etc/passwd", encoding: .utf8).hasPrefix("root:x"))
        let file = try FileManager.default.attributesOfItem(atPath: root + "/home/user/file")
        #expect(file[.ownerAccountID] as? Int == 1000)
        #expect((file[.posixPermissions] as? Int) == 0o600)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/bin/sh") == "/bin/busybox")
        var a = stat(), b = stat()
        #expect(stat(root + "/etc/passwd", &a) == 0 && stat(root + "/etc/passwd-link", &b) == 0 && a.st_ino == b.st_ino)
        #expect(lstat(root + "/run/fifo", &a) == 0 && (a.st_mode & S_IFMT) == S_IFIFO)
        var value = [UInt8](repeating: 0, count: 8)
        #expect(getxattr(root + "/xattr-file", "user.berth", &value, 8) == 3)
    }

    /// Entries are written relative to the root, which is the applying thread's own working directory for the
    /// time: libarchive's symlink checks still see every component inside the root, and the caller's working
    /// directory is where it was, after a refused layer too.
    @Test func linksInsideTheLayerLeadNowhereOutsideAndTheWorkingDirectoryStays() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let victim = "berth-victim-\(UUID().uuidString.prefix(8))"
        try "victim".write(toFile: "/tmp/\(victim)", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "/tmp/\(victim)") }
        let before = FileManager.default.currentDirectoryPath

        let hardlink = try makeTar("hardlink-through-symlink.tar", """
            add("a", type=tarfile.SYMTYPE, linkname="/tmp")
            add("escaped", type=tarfile.LNKTYPE, linkname="a/\(victim)")
            """)
        #expect(throws: BerthError.self) { _ = try apply(hardlink) }
        #expect(!FileManager.default.fileExists(atPath: root + "/escaped"))
        #expect(FileManager.default.currentDirectoryPath == before)

        // A file named like a symlink the layer made replaces the link; the link's target is untouched.
        let replaced = try makeTar("file-over-symlink.tar", """
            add("f", type=tarfile.SYMTYPE, linkname="/tmp/\(victim)")
            add("f", b"layer")
            """)
        _ = try apply(replaced)
        #expect(try String(contentsOfFile: "/tmp/\(victim)", encoding: .utf8) == "victim")
        var info = stat()
        #expect(lstat(root + "/f", &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG)
        #expect(FileManager.default.currentDirectoryPath == before)
    }

    @Test func gzipLayersAreDecompressedAndTheDiffIDIsOfTheTar() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let plain = try makeTar("l.tar", "add(\"a\", b\"hello\")")
        let compressed = try makeTar("l.tar.gz", compression: "gz", "add(\"a\", b\"hello\")")
        let applied = try apply(compressed)
        #expect(applied.diffID == (try sha256(plain)))
        #expect(try String(contentsOfFile: root + "/a", encoding: .utf8) == "hello")
    }

    @Test func overlayStyleWritesOverlayWhiteouts() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tar = try makeTar("wh.tar", """
            add("dir", type=tarfile.DIRTYPE, mode=0o755)
            add("dir/.wh.gone", b"")
            add("opaque", type=tarfile.DIRTYPE, mode=0o755)
            add("opaque/.wh..wh..opq", b"")
            add("opaque/new", b"n")
            """)
        _ = try apply(tar, style: .overlay)
        var info = stat()
        #expect(lstat(root + "/dir/gone", &info) == 0)
        #expect((info.st_mode & S_IFMT) == S_IFCHR && info.st_rdev == 0)
        var value = [UInt8](repeating: 0, count: 4)
        #expect(getxattr(root + "/opaque", "trusted.overlay.opaque", &value, 4) == 1 && value[0] == UInt8(ascii: "y"))
        #expect(FileManager.default.fileExists(atPath: root + "/opaque/new"))
        #expect(!FileManager.default.fileExists(atPath: root + "/dir/.wh.gone"))
    }

    @Test func removeStyleDeletesWhiteoutsAndEmptiesOpaqueDirectories() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lower = try makeTar("lower.tar", """
            add("keep", b"k")
            add("gone", b"g")
            add("opaque/old", b"o")
            """)
        _ = try apply(lower)
        let upper = try makeTar("upper.tar", """
            add(".wh.gone", b"")
            add("opaque", type=tarfile.DIRTYPE, mode=0o755)
            add("opaque/new", b"n")
            add("opaque/.wh..wh..opq", b"")
            """)
        _ = try apply(upper)
        #expect(FileManager.default.fileExists(atPath: root + "/keep"))
        #expect(!FileManager.default.fileExists(atPath: root + "/gone"))
        #expect(!FileManager.default.fileExists(atPath: root + "/opaque/old"))
        #expect(FileManager.default.fileExists(atPath: root + "/opaque/new"))
    }

    @Test(arguments: [
        ("dotdot", "add(\"../escaped\", b\"x\")"),
        ("nested-dotdot", "add(\"a/../../escaped\", b\"x\")"),
        ("symlink-parent", "add(\"a\", type=tarfile.SYMTYPE, linkname=\"/tmp\")\nadd(\"a/escaped\", b\"x\")"),
        ("relative-symlink-parent", "add(\"a\", type=tarfile.SYMTYPE, linkname=\"../..\")\nadd(\"a/escaped\", b\"x\")"),
        ("hardlink-out", "add(\"h\", type=tarfile.LNKTYPE, linkname=\"../outside\")"),
    ])
    func escapesAreRejectedAndNothingLandsOutside(_ name: String, _ members: String) throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        // A file outside the root that a successful escape would overwrite or remove.
        try "outside".write(toFile: work + "/outside", atomically: true, encoding: .utf8)
        let victim = "berth-victim-\(UUID().uuidString.prefix(8))"
        try "victim".write(toFile: "/tmp/\(victim)", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "/tmp/\(victim)") }
        let tar = try makeTar("\(name).tar", members.replacingOccurrences(of: "VICTIM", with: victim))
        #expect(throws: BerthError.self) { _ = try apply(tar) }
        #expect(!FileManager.default.fileExists(atPath: work + "/escaped"))
        #expect(!FileManager.default.fileExists(atPath: "/tmp/escaped"))
        #expect(try String(contentsOfFile: work + "/outside", encoding: .utf8) == "outside")
        #expect(FileManager.default.fileExists(atPath: "/tmp/\(victim)"))
    }

    /// Under a symlink a whiteout hides nothing; following the link could reach outside, so it is skipped (as umoci).
    @Test(arguments: [WhiteoutStyle.overlay, .remove])
    func whiteoutsUnderSymlinksAreNoOps(_ style: WhiteoutStyle) throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let victim = "berth-victim-\(UUID().uuidString.prefix(8))"
        try "victim".write(toFile: "/tmp/\(victim)", atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: "/tmp/\(victim)") }
        let tar = try makeTar("wh-link.tar", "add(\"a\", type=tarfile.SYMTYPE, linkname=\"/tmp\")\nadd(\"a/.wh.\(victim)\", b\"\")")
        _ = try apply(tar, style: style)
        #expect(FileManager.default.fileExists(atPath: "/tmp/\(victim)"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: root + "/a") == "/tmp")
    }

    /// `.wh.` alone would name its directory, `.wh...` the parent: the root itself, when at the top.
    @Test(arguments: zip([WhiteoutStyle.overlay, .remove, .overlay, .remove], [".wh.", ".wh..", "d/.wh...", "d/.wh."]))
    func whiteoutsWithoutANameAreRejectedAndDeleteNothing(_ style: WhiteoutStyle, _ name: String) throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try apply(try makeTar("lower.tar", "add(\"d/keep\", b\"k\")\nadd(\"keep\", b\"k\")"))
        let error = #expect(throws: BerthError.self) { _ = try apply(try makeTar("wh.tar", "add(\"\(name)\", b\"\")"), style: style) }
        #expect(error?.kind == .invalidArgument)
        #expect(FileManager.default.fileExists(atPath: root + "/keep") && FileManager.default.fileExists(atPath: root + "/d/keep"))
    }

    @Test func aFileReplacesADirectoryTree() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        _ = try apply(try makeTar("dir.tar", "add(\"d/sub/file\", b\"x\")"))
        _ = try apply(try makeTar("file.tar", "add(\"d\", b\"now a file\")"))
        #expect(try String(contentsOfFile: root + "/d", encoding: .utf8) == "now a file")
    }

    @Test func overlayParentsTakeTheirAttributesFromTheLowerLayer() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lower = work + "/lower"
        try FileManager.default.createDirectory(atPath: lower + "/secure", withIntermediateDirectories: true)
        #expect(chmod(lower + "/secure", 0o700) == 0 && chown(lower + "/secure", 1000, 1000) == 0)
        let tar = try makeTar("upper.tar", "add(\"secure/.wh.gone\", b\"\")\nadd(\"secure/new\", b\"n\")")
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: tar))
        defer { try? handle.close() }
        _ = try LayerApplier.apply(to: root, style: .overlay, lowers: [lower]) { buffer in
            let data = handle.readData(ofLength: buffer.count)
            data.copyBytes(to: buffer)
            return data.count
        }
        let attributes = try FileManager.default.attributesOfItem(atPath: root + "/secure")
        #expect(attributes[.posixPermissions] as? Int == 0o700)
        #expect(attributes[.ownerAccountID] as? Int == 1000)
    }

    @Test func truncatedLayerIsAnError() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let tar = try makeTar("big.tar.gz", compression: "gz", "add(\"f\", bytes(range(256)) * 4096)")
        let data = try Data(contentsOf: URL(fileURLWithPath: tar))
        try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: tar))
        #expect(throws: BerthError.self) { _ = try apply(tar) }
    }

    @Test func garbageIsAnError() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let path = work + "/garbage"
        try Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: path))
        #expect(throws: BerthError.self) { _ = try apply(path) }
    }
}

struct TestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
