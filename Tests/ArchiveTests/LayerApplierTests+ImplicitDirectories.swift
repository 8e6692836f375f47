import Archive
import BerthCore
import Foundation
import Testing

/// Layers applied in parallel, before their lowers exist: the directories they create implicitly get their
/// lower attributes afterwards, with the same result as applying with the lowers known.
extension LayerApplierTests {
    func apply(_ tar: String, to target: String, lowers: [String]) throws -> AppliedLayer {
        let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: tar))
        defer { try? handle.close() }
        return try LayerApplier.apply(to: target, style: .overlay, lowers: lowers) { buffer in
            let data = handle.readData(ofLength: buffer.count)
            data.copyBytes(to: buffer)
            return data.count
        }
    }

    @Test func implicitDirectoriesTakeTheirLowerAttributesAfterwards() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        // The nearest lower has secure/ but not secure/inner/, which only the farther one has.
        let near = Tree(root: work + "/near"), far = Tree(root: work + "/far")
        try far.directory("secure/inner", mode: 0o750, owner: (2000, 2000))
        try far.xattr("secure/inner", "trusted.berth", "far")
        try far.directory("secure", mode: 0o777)
        try near.directory("secure", mode: 0o700, owner: (1000, 1000))
        try near.xattr("secure", "user.berth", "near")
        try near.directory("named", mode: 0o700)
        let tar = try makeTar("upper.tar", """
            add("secure/inner/new", b"n")
            add("secure/.wh.gone", b"")
            add("named", type=tarfile.DIRTYPE, mode=0o711)
            add("named/x", b"x")
            add("late/x", b"x")
            add("late", type=tarfile.DIRTYPE, mode=0o701)
            add("fresh/y", b"y")
            """)
        let known = Tree(root: work + "/known"), later = Tree(root: work + "/later")
        try known.directory("")
        try later.directory("")
        let withLowers = try apply(tar, to: known.root, lowers: [near.root, far.root])
        let without = try apply(tar, to: later.root, lowers: [])
        // Directories named by an entry (before or after their contents) are not implicit.
        #expect(without.implicitDirectories == ["secure", "secure/inner", "fresh"])
        #expect(withLowers.implicitDirectories == without.implicitDirectories)
        #expect(try TreeSnapshot(later.root).entry("secure")?.mode == 0o755)

        try LayerApplier.inheritLowerAttributes(
            root: later.root, implicitDirectories: without.implicitDirectories, lowers: [near.root, far.root])
        let result = try TreeSnapshot(later.root)
        let differences = result.differences(from: try TreeSnapshot(known.root))
        #expect(differences.isEmpty, "\(differences)")
        let secure = result.entry("secure"), inner = result.entry("secure/inner"), fresh = result.entry("fresh")
        #expect(secure?.mode == 0o700 && secure?.uid == 1000 && secure?.gid == 1000)
        #expect(secure?.xattrs == ["user.berth": Array("near".utf8)])
        #expect(inner?.mode == 0o750 && inner?.uid == 2000 && inner?.xattrs == ["trusted.berth": Array("far".utf8)])
        #expect(fresh?.mode == 0o755 && fresh?.uid == 0)
        #expect(result.entry("late")?.mode == 0o701 && result.entry("named")?.mode == 0o711)
    }

    @Test func inheritingRefusesPathsThatLeaveTheRoot() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let lower = Tree(root: work + "/lower")
        try lower.directory("etc", mode: 0o700)
        #expect(throws: BerthError.self) {
            try LayerApplier.inheritLowerAttributes(root: root, implicitDirectories: ["../lower/etc"], lowers: [lower.root])
        }
        try FileManager.default.createSymbolicLink(atPath: root + "/link", withDestinationPath: lower.root)
        #expect(throws: BerthError.self) {
            try LayerApplier.inheritLowerAttributes(root: root, implicitDirectories: ["link/etc"], lowers: [lower.root])
        }
        #expect(try TreeSnapshot(lower.root).entry("etc")?.mode == 0o700)
    }
}
