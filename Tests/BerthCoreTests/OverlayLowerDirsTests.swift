import BerthCore
import Testing

@Suite struct OverlayLowerDirsTests {
    static let root = "/var/lib/berth/io.containerd.snapshotter.v1.overlayfs/snapshots/"

    @Test func shortOptionsStayAsTheyAre() {
        let options = ["index=off", "lowerdir=\(Self.root)2/fs:\(Self.root)1/fs"]
        let (compacted, directory) = OverlayLowerDirs.compacted(options)
        #expect(compacted == options)
        #expect(directory == nil)
    }

    @Test func longLowerDirListsBecomeRelativeToTheSnapshotsDirectory() {
        let lowers = (1...120).reversed().map { "\(Self.root)\($0)/fs" }
        let options = ["workdir=\(Self.root)121/work", "upperdir=\(Self.root)121/fs", "lowerdir=" + lowers.joined(separator: ":"), "index=off"]
        let (compacted, directory) = OverlayLowerDirs.compacted(options)
        #expect(directory == Self.root)
        #expect(compacted.prefix(2) == options.prefix(2), "upper and work dirs stay absolute")
        #expect(compacted.contains("index=off"))
        #expect(compacted.last == "lowerdir=" + (1...120).reversed().map { "\($0)/fs" }.joined(separator: ":"))
        #expect(compacted.joined(separator: ",").utf8.count < OverlayLowerDirs.compactionThreshold)
    }

    @Test func idsSharingLeadingDigitsKeepTheirWholeName() {
        // The common prefix of .../12/fs and .../13/fs ends inside the id: the directory above is taken.
        let lowers = (1...200).map { "\(Self.root)1\($0)/fs" }
        let (compacted, directory) = OverlayLowerDirs.compacted(["lowerdir=" + lowers.joined(separator: ":")])
        #expect(directory == Self.root)
        #expect(compacted == ["lowerdir=" + (1...200).map { "1\($0)/fs" }.joined(separator: ":")])
    }
}
