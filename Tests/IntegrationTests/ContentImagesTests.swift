import BerthAPI
import Foundation
import GRPCCore
import GRPCNIOTransportHTTP2
import Testing

/// The content, images and leases acceptance steps, driven with the stock ctr (containerd 1.6.20, Debian's).
///
/// Every expectation here was first observed on the real containerd 1.6.20 running the same ctr commands, and the
/// key flows run against it too (`DaemonUnderTest`), so these tests check themselves against the spec.
/// Images are imported with `--no-unpack`: unpacking needs snapshotters and the diff service, a later issue.
@Suite(.serialized, .imageFixtures) struct ContentImagesTests {
    // MARK: Content

    @Test(arguments: DaemonUnderTest.everyFlow)
    func ingest200MiBFromStdinThenGetListLabelRemove(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let size = 200 * 1024 * 1024
        let input = scratch.path("random.bin")
        try makeRandomFile(input, mebibytes: 200)
        let digest = try sha256(of: input)

        let ingested = try daemon.ctr(
            ["content", "ingest", "--expected-size", "\(size)", "--expected-digest", digest, "berth-200m"],
            stdinFile: input, timeout: 180)
        #expect(ingested.status == 0, "\(ingested)")
        #expect(ingested.stdout == "", "\(ingested)")

        let output = scratch.path("got.bin")
        let got = try daemon.ctr(["content", "get", digest], stdoutFile: output, timeout: 180)
        #expect(got.status == 0, "\(got)")
        #expect(fileSize(output) == size)
        #expect(try sha256(of: output) == digest)
        #expect(try Command.run(URL(fileURLWithPath: "/usr/bin/cmp"), ["-s", input, output], timeout: 60).status == 0)

        let listed = try daemon.ctr(["content", "ls"])
        #expect(listed.status == 0, "\(listed)")
        let table = CtrTable(tabbed: listed.stdout)
        #expect(table.columns == ["DIGEST", "SIZE", "AGE", "LABELS"], "\(listed)")
        let row = try #require(table.row("DIGEST", digest), "\(listed)")
        #expect(row["SIZE"] == "209.7MB", "\(listed)")  // decimal units, 4 significant digits
        #expect(row["LABELS"] == "-", "\(listed)")
        #expect(isHumanDuration(row["AGE"] ?? ""), "\(listed)")
        #expect(try lines(daemon.ctr(["content", "ls", "-q"]).stdout) == [digest])

        // `content label` prints the blob's labels afterwards, joined by commas in Go map order.
        let labelled = try daemon.ctr(["content", "label", digest, "k=v"])
        #expect(labelled.status == 0, "\(labelled)")
        #expect(labelled.stdout == "k=v\n", "\(labelled)")
        #expect(try contentLabels(daemon, digest) == ["k=v"])
        let two = try daemon.ctr(["content", "label", digest, "a=b", "k=v2"])
        #expect(two.status == 0, "\(two)")
        #expect(labelSet(two.stdout) == ["a=b", "k=v2"], "\(two)")
        #expect(try contentLabels(daemon, digest) == ["a=b", "k=v2"])
        // An empty value removes the label.
        let cleared = try daemon.ctr(["content", "label", digest, "a="])
        #expect(cleared.stdout == "k=v2\n", "\(cleared)")
        #expect(try contentLabels(daemon, digest) == ["k=v2"])

        let removed = try daemon.ctr(["content", "rm", digest])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "\(digest)\n", "\(removed)")
        #expect(try daemon.ctr(["content", "ls", "-q"]).stdout == "")
        // The record goes at once; the file on the next collection, which the delete schedules (~0.1s in containerd).
        #expect(eventually { !daemon.blobExists(digest) }, "blob file still on disk")

        // Removing what is not there prints nothing and succeeds: ctr skips not-found.
        let again = try daemon.ctr(["content", "rm", digest])
        #expect(again.status == 0, "\(again)")
        #expect(again.stdout == "", "\(again)")
        let gone = try daemon.ctr(["content", "get", digest], stdoutFile: scratch.path("gone.bin"))
        #expect(gone.status == 1, "\(gone)")
        #expect(gone.stderr == "ctr: content digest \(digest): not found\n", "\(gone)")
    }

    @Test(arguments: DaemonUnderTest.everyFlow)
    func ingestRejectsWrongDigestsAndSizesAndResumesPartialIngests(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let small = scratch.path("small.txt")
        try Data("hello-a\n".utf8).write(to: URL(fileURLWithPath: small))
        let smallDigest = try sha256(of: small)
        let zeros = "sha256:" + String(repeating: "0", count: 64)

        let wrongDigest = try daemon.ctr(["content", "ingest", "--expected-digest", zeros, "r1"], stdinFile: small)
        #expect(wrongDigest.status == 1, "\(wrongDigest)")
        #expect(
            wrongDigest.stderr.contains(
                "failed commit on ref \"r1\": commit failed: unexpected commit digest \(smallDigest), expected \(zeros): failed precondition"
            ), "\(wrongDigest)")
        let wrongSize = try daemon.ctr(["content", "ingest", "--expected-size", "3", "r2"], stdinFile: small)
        #expect(wrongSize.status == 1, "\(wrongSize)")
        #expect(
            wrongSize.stderr.contains(
                "failed commit on ref \"r2\": commit failed: \"r2\" failed size validation: 8 != 3: failed precondition"),
            "\(wrongSize)")
        #expect(try daemon.ctr(["content", "ls", "-q"]).stdout == "")

        // Failed ingests stay active, with what they received.
        let active = try daemon.ctr(["content", "active"])
        #expect(active.status == 0, "\(active)")
        let transfers = CtrTable(tabbed: active.stdout)
        #expect(transfers.columns == ["REF", "SIZE", "AGE"], "\(active)")
        #expect(Set(transfers.column("REF")) == ["r1", "r2"], "\(active)")
        #expect(transfers.row("REF", "r1")?["SIZE"] == "8B", "\(active)")
        #expect(transfers.row("REF", "r2")?["SIZE"] == "8B", "\(active)")

        // Retrying r1 resumes at offset 8 (ctr skips that much of its input) and commits.
        let retried = try daemon.ctr(["content", "ingest", "--expected-digest", smallDigest, "r1"], stdinFile: small)
        #expect(retried.status == 0, "\(retried)")
        #expect(try lines(daemon.ctr(["content", "ls", "-q"]).stdout) == [smallDigest])
        #expect(try !CtrTable(tabbed: daemon.ctr(["content", "active"]).stdout).column("REF").contains("r1"))
        // Ingesting a blob that exists succeeds without writing.
        let existing = try daemon.ctr(["content", "ingest", "--expected-digest", smallDigest, "r3"], stdinFile: small)
        #expect(existing.status == 0, "\(existing)")
        #expect(existing.stdout == "", "\(existing)")
        #expect(try lines(daemon.ctr(["content", "ls", "-q"]).stdout) == [smallDigest])

        // A short read leaves a partial ingest that the next ingest with the same ref resumes.
        let whole = scratch.path("whole.bin")
        let head = scratch.path("head.bin")
        try makeRandomFile(whole, bytes: 100_000)
        try Data(Data(contentsOf: URL(fileURLWithPath: whole)).prefix(40_000)).write(to: URL(fileURLWithPath: head))
        let wholeDigest = try sha256(of: whole)
        let short = try daemon.ctr(["content", "ingest", "--expected-size", "100000", "resumable"], stdinFile: head)
        #expect(short.status == 1, "\(short)")
        #expect(short.stderr.contains("failed to read expected number of bytes: unexpected EOF"), "\(short)")
        let partial = try daemon.ctr(["content", "active"])
        #expect(CtrTable(tabbed: partial.stdout).row("REF", "resumable")?["SIZE"] == "40kB", "\(partial)")
        let resumed = try daemon.ctr(
            ["content", "ingest", "--expected-size", "100000", "--expected-digest", wholeDigest, "resumable"],
            stdinFile: whole)
        #expect(resumed.status == 0, "\(resumed)")
        #expect(try !CtrTable(tabbed: daemon.ctr(["content", "active"]).stdout).column("REF").contains("resumable"))
        let fetched = scratch.path("fetched.bin")
        #expect(try daemon.ctr(["content", "get", wholeDigest], stdoutFile: fetched).status == 0)
        #expect(try sha256(of: fetched) == wholeDigest)

        // Resuming with different bytes: the daemon hashes what it kept plus the new tail, and the commit fails.
        let otherWhole = scratch.path("other.bin")
        try makeRandomFile(otherWhole, bytes: 100_000)
        let otherDigest = try sha256(of: otherWhole)
        let mixed = scratch.path("mixed.bin")
        let mixedBytes = try Data(contentsOf: URL(fileURLWithPath: head))
            + Data(contentsOf: URL(fileURLWithPath: otherWhole)).dropFirst(40_000)
        try mixedBytes.write(to: URL(fileURLWithPath: mixed))
        let mixedDigest = try sha256(of: mixed)
        _ = try daemon.ctr(["content", "ingest", "--expected-size", "100000", "spliced"], stdinFile: head)
        let spliced = try daemon.ctr(
            ["content", "ingest", "--expected-size", "100000", "--expected-digest", otherDigest, "spliced"],
            stdinFile: otherWhole)
        #expect(spliced.status == 1, "\(spliced)")
        #expect(
            spliced.stderr.contains(
                "failed commit on ref \"spliced\": commit failed: unexpected commit digest \(mixedDigest), expected \(otherDigest): failed precondition"
            ), "\(spliced)")
    }

    @Test(arguments: DaemonUnderTest.everyFlow)
    func unknownDigestsAreNotFound(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let unknown = "sha256:" + String(repeating: "0", count: 64)
        let get = try daemon.ctr(["content", "get", unknown])
        #expect(get.status == 1, "\(get)")
        #expect(get.stdout == "", "\(get)")
        #expect(get.stderr == "ctr: content digest \(unknown): not found\n", "\(get)")
        let label = try daemon.ctr(["content", "label", unknown, "k=v"])
        #expect(label.status == 1, "\(label)")
        #expect(label.stderr == "ctr: content digest \(unknown): not found\n", "\(label)")
        let removed = try daemon.ctr(["content", "rm", unknown])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "", "\(removed)")
        #expect(daemon.isStillServing())
    }

    // MARK: Images

    @Test(arguments: DaemonUnderTest.keyFlows)
    func importOCIArchiveThenListTagLabelExportRemove(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }

        let imported = try daemon.ctr(["images", "import", "--no-unpack", fixtures.ociArchive], timeout: 120)
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout == "", "\(imported)")
        // Import works under a lease of its own and removes it when done.
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")

        let listed = try daemon.ctr(["images", "ls"])
        #expect(listed.status == 0, "\(listed)")
        let table = CtrTable(spaced: listed.stdout, columns: Self.imageColumns)
        #expect(table.columns == Self.imageColumns, "\(listed)")
        #expect(table.rows.count == 1, "\(listed)")
        let row = try #require(table.row("REF", image.name), "\(listed)")
        #expect(row["TYPE"] == "application/vnd.oci.image.manifest.v1+json", "\(listed)")
        #expect(row["DIGEST"] == image.manifest, "\(listed)")
        #expect(row["SIZE"] == binarySize(image.manifestSize + image.configSize + image.layerSize), "\(listed)")
        #expect(row["PLATFORMS"] == "linux/amd64", "\(listed)")
        #expect(row["LABELS"] == "-", "\(listed)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "\(image.name)\n")

        // The import labels the manifest with references to its children, which is what GC follows.
        let content = CtrTable(tabbed: try daemon.ctr(["content", "ls"]).stdout)
        #expect(Set(content.column("DIGEST")).isSuperset(of: image.blobs), "\(content.rows)")
        let manifestLabels = labelSet(content.row("DIGEST", image.manifest)?["LABELS"] ?? "")
        #expect(
            manifestLabels == [
                "containerd.io/gc.ref.content.config=\(image.config)", "containerd.io/gc.ref.content.l.0=\(image.layer)",
            ], "\(content.rows)")

        // Tag.
        let v2 = ImageFixtures.imageName + ":v2"
        let tagged = try daemon.ctr(["images", "tag", image.name, v2])
        #expect(tagged.status == 0, "\(tagged)")
        #expect(tagged.stdout == "\(v2)\n", "\(tagged)")
        let duplicate = try daemon.ctr(["images", "tag", image.name, v2])
        #expect(duplicate.status == 1, "\(duplicate)")
        #expect(duplicate.stderr == "ctr: image \"\(v2)\": already exists\n", "\(duplicate)")
        let missing = "docker.io/library/nothere:latest"
        let noSource = try daemon.ctr(["images", "tag", missing, "docker.io/library/x:y"])
        #expect(noSource.status == 1, "\(noSource)")
        #expect(noSource.stderr == "ctr: image \"\(missing)\": not found\n", "\(noSource)")
        // Images are listed in name order.
        #expect(try lines(daemon.ctr(["images", "ls", "-q"]).stdout) == [image.name, v2])

        // Label: ctr prints the labels in Go map order, `images ls` sorts them.
        let labelled = try daemon.ctr(["images", "label", v2, "k=v", "team=x"])
        #expect(labelled.status == 0, "\(labelled)")
        #expect(labelSet(labelled.stdout) == ["k=v", "team=x"], "\(labelled)")
        let relisted = try daemon.ctr(["images", "ls"])
        let rows = CtrTable(spaced: relisted.stdout, columns: Self.imageColumns)
        #expect(rows.row("REF", v2)?["LABELS"] == "k=v,team=x", "\(relisted)")
        #expect(rows.row("REF", v2)?["DIGEST"] == image.manifest, "\(relisted)")
        #expect(rows.row("REF", image.name)?["LABELS"] == "-", "\(relisted)")
        let unlabelled = try daemon.ctr(["images", "label", v2, "team="])
        #expect(unlabelled.stdout == "k=v\n", "\(unlabelled)")
        // Filters.
        #expect(try daemon.ctr(["images", "ls", "-q", "labels.k==v"]).stdout == "\(v2)\n")
        #expect(try daemon.ctr(["images", "ls", "-q", "name==\(v2)"]).stdout == "\(v2)\n")

        // Export writes an OCI archive that skopeo reads and a fresh daemon imports under the exported name.
        let exported = scratch.path("out.tar")
        let export = try daemon.ctr(["images", "export", exported, v2], timeout: 120)
        #expect(export.status == 0, "\(export)")
        #expect(export.stdout == "", "\(export)")
        let inspected = try Command.run(
            ImageFixtures.skopeo, ["--insecure-policy", "inspect", "oci-archive:\(exported)"], timeout: 60)
        #expect(inspected.status == 0, "\(inspected)")
        #expect(jsonObject(inspected.stdout)?["Digest"] as? String == image.manifest, "\(inspected)")
        let noImage = try daemon.ctr(["images", "export", scratch.path("none.tar"), missing])
        #expect(noImage.status == 1, "\(noImage)")
        #expect(noImage.stderr == "ctr: image \"\(missing)\": not found\n", "\(noImage)")
        do {
            let fresh = try kind.start()
            defer { fresh.release() }
            let reimported = try fresh.ctr(["images", "import", "--no-unpack", exported], timeout: 120)
            #expect(reimported.status == 0, "\(reimported)")
            let listedThere = CtrTable(spaced: try fresh.ctr(["images", "ls"]).stdout, columns: Self.imageColumns)
            #expect(listedThere.column("REF") == [v2], "\(listedThere.rows)")
            #expect(listedThere.row("REF", v2)?["DIGEST"] == image.manifest, "\(listedThere.rows)")
            #expect(try Set(lines(fresh.ctr(["content", "ls", "-q"]).stdout)).isSuperset(of: image.blobs))
        }

        // Remove.
        let removed = try daemon.ctr(["images", "rm", v2])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "\(v2)\n", "\(removed)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "\(image.name)\n")
        // Removing a missing image only warns.
        let notThere = try daemon.ctr(["images", "rm", v2])
        #expect(notThere.status == 0, "\(notThere)")
        #expect(notThere.stdout == "", "\(notThere)")
        #expect(notThere.stderr.contains("level=warning msg=\"\(v2): image not found\""), "\(notThere)")
        let last = try daemon.ctr(["images", "rm", image.name])
        #expect(last.stdout == "\(image.name)\n", "\(last)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "")
    }

    @Test(arguments: DaemonUnderTest.everyFlow)
    func importDockerArchiveMakesADockerSchema2Image(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }

        let imported = try daemon.ctr(["images", "import", "--no-unpack", fixtures.dockerArchive], timeout: 120)
        #expect(imported.status == 0, "\(imported)")
        #expect(imported.stdout == "", "\(imported)")
        let listed = try daemon.ctr(["images", "ls"])
        let table = CtrTable(spaced: listed.stdout, columns: Self.imageColumns)
        #expect(table.columns == Self.imageColumns, "\(listed)")
        let row = try #require(table.row("REF", image.name), "\(listed)")
        #expect(row["TYPE"] == "application/vnd.docker.distribution.manifest.v2+json", "\(listed)")
        #expect(row["PLATFORMS"] == "linux/amd64", "\(listed)")
        let manifestDigest = try #require(row["DIGEST"])

        // ctr writes a Docker schema 2 manifest over the archive's uncompressed layer and its config.
        let manifestFile = scratch.path("manifest.json")
        #expect(try daemon.ctr(["content", "get", manifestDigest], stdoutFile: manifestFile).status == 0)
        #expect(try sha256(of: manifestFile) == manifestDigest)
        let manifestText = try String(contentsOfFile: manifestFile, encoding: .utf8)
        let manifest = try #require(jsonObject(manifestText), "\(manifestText)")
        #expect(manifest["mediaType"] as? String == "application/vnd.docker.distribution.manifest.v2+json")
        let config = manifest["config"] as? [String: Any]
        #expect(config?["mediaType"] as? String == "application/vnd.docker.container.image.v1+json")
        #expect(config?["digest"] as? String == image.config)
        let layers = manifest["layers"] as? [[String: Any]] ?? []
        #expect(layers.count == 1)
        #expect(layers.first?["mediaType"] as? String == "application/vnd.docker.image.rootfs.diff.tar")
        #expect(layers.first?["digest"] as? String == image.diffID)
        #expect(layers.first?["size"] as? Int == fixtures.dockerLayerSize)
        let manifestSize = fileSize(manifestFile) ?? 0
        #expect(row["SIZE"] == binarySize(manifestSize + image.configSize + fixtures.dockerLayerSize), "\(listed)")

        // The archive's other files (VERSION, json, repositories) and the index ctr wrote were held only by the
        // import's lease: the collection that follows its removal takes them.
        let kept: Set<String> = [manifestDigest, image.config, image.diffID]
        #expect(eventually { (try? Set(lines(daemon.ctr(["content", "ls", "-q"]).stdout))) == kept })
        #expect(eventually { daemon.blobFiles == kept }, "\(daemon.blobFiles)")

        let exported = scratch.path("out.tar")
        #expect(try daemon.ctr(["images", "export", exported, image.name], timeout: 120).status == 0)
        let inspected = try Command.run(
            ImageFixtures.skopeo, ["--insecure-policy", "inspect", "oci-archive:\(exported)"], timeout: 60)
        #expect(inspected.status == 0, "\(inspected)")
        #expect(jsonObject(inspected.stdout)?["Digest"] as? String == manifestDigest, "\(inspected)")
    }

    /// `images check` also asks the snapshotter whether the image is unpacked (UNPACKED false here), so it needs the
    /// snapshots service to answer Stat with not-found.
    @Test(arguments: DaemonUnderTest.everyFlow)
    func imagesCheckReportsCompleteImages(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try kind.start()
        defer { daemon.release() }
        #expect(try daemon.ctr(["images", "import", "--no-unpack", fixtures.ociArchive], timeout: 120).status == 0)
        let checked = try daemon.ctr(["images", "check"])
        #expect(checked.status == 0, "\(checked)")
        let table = CtrTable(spaced: checked.stdout, columns: Self.checkColumns)
        #expect(table.columns == Self.checkColumns, "\(checked)")
        let row = try #require(table.row("REF", fixtures.latest.name), "\(checked)")
        #expect(row["STATUS"] == "complete (2/2)", "\(checked)")
        let size = binarySize(fixtures.latest.manifestSize + fixtures.latest.configSize + fixtures.latest.layerSize)
        #expect(row["SIZE"] == "\(size)/\(size)", "\(checked)")
        #expect(row["UNPACKED"] == "false", "\(checked)")
        #expect(try daemon.ctr(["images", "check", "-q"]).stdout == "\(fixtures.latest.name)\n")
    }

    // MARK: Garbage collection

    @Test(arguments: DaemonUnderTest.keyFlows)
    func removingAnImageCollectsItsBlobsButKeepsSharedLayers(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let (latest, other) = (fixtures.latest, fixtures.other)
        #expect(latest.layer == other.layer && latest.config != other.config)
        let daemon = try kind.start()
        defer { daemon.release() }
        for archive in [fixtures.ociArchive, fixtures.otherOCIArchive] {
            let imported = try daemon.ctr(["images", "import", "--no-unpack", archive], timeout: 120)
            #expect(imported.status == 0, "\(imported)")
        }
        #expect(try lines(daemon.ctr(["images", "ls", "-q"]).stdout) == [latest.name, other.name])
        for blob in latest.blobs.union(other.blobs) { #expect(daemon.blobExists(blob), "\(blob)") }

        // --sync returns once the collection is done: records and files are gone, the shared layer stays. The
        // index blobs the imports wrote (held by nothing) go in the same collection.
        let removed = try daemon.ctr(["images", "rm", "--sync", other.name])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "\(other.name)\n", "\(removed)")
        #expect(try Set(lines(daemon.ctr(["content", "ls", "-q"]).stdout)) == latest.blobs)
        #expect(daemon.blobFiles == latest.blobs, "\(daemon.blobFiles)")
        #expect(!daemon.blobExists(other.manifest) && !daemon.blobExists(other.config))
        #expect(daemon.blobExists(latest.layer))

        // Without --sync the collection follows shortly (~0.1s in containerd).
        let last = try daemon.ctr(["images", "rm", latest.name])
        #expect(last.status == 0, "\(last)")
        #expect(last.stdout == "\(latest.name)\n", "\(last)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "")
        #expect(eventually { (try? daemon.ctr(["content", "ls", "-q"]).stdout) == "" })
        #expect(eventually { daemon.blobFiles.isEmpty }, "\(daemon.blobFiles)")
    }

    @Test(arguments: DaemonUnderTest.everyFlow)
    func blobsStayWhileAnotherNamespaceStillUsesThem(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let daemon = try kind.start()
        defer { daemon.release() }
        for namespace in ["a", "b"] {
            let imported = try daemon.ctr(
                ["images", "import", "--no-unpack", fixtures.ociArchive], namespace: namespace, timeout: 120)
            #expect(imported.status == 0, "\(imported)")
        }
        let removedA = try daemon.ctr(["images", "rm", "--sync", image.name], namespace: "a")
        #expect(removedA.stdout == "\(image.name)\n", "\(removedA)")
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "a").stdout == "")
        #expect(try Set(lines(daemon.ctr(["content", "ls", "-q"], namespace: "b").stdout)) == image.blobs)
        #expect(daemon.blobFiles == image.blobs, "\(daemon.blobFiles)")

        let removedB = try daemon.ctr(["images", "rm", "--sync", image.name], namespace: "b")
        #expect(removedB.stdout == "\(image.name)\n", "\(removedB)")
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "b").stdout == "")
        #expect(daemon.blobFiles.isEmpty, "\(daemon.blobFiles)")
    }

    // MARK: Leases

    @Test(arguments: DaemonUnderTest.keyFlows)
    func leasesCreateListFilterRemove(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let created = try daemon.ctr(["leases", "create", "--id", "mylease"])
        #expect(created.status == 0, "\(created)")
        #expect(created.stdout == "mylease\n", "\(created)")
        let labelled = try daemon.ctr(["leases", "create", "--id", "lab", "--expires", "1h", "k=v", "a=b"])
        #expect(labelled.stdout == "lab\n", "\(labelled)")
        let forever = try daemon.ctr(["leases", "create", "--id", "forever", "--expires", "0"])
        #expect(forever.stdout == "forever\n", "\(forever)")
        // Without --id ctr sends an empty ID and containerd's leases service makes one up: the nanoseconds of the
        // current second, a dash, and 3 random bytes in base64url ("565948890-vHRp").
        let generated = try daemon.ctr(["leases", "create"])
        #expect(generated.status == 0, "\(generated)")
        let generatedID = generated.stdout.trimmingCharacters(in: .newlines)
        let parts = generatedID.split(separator: "-", maxSplits: 1)
        #expect(parts.count == 2 && parts[0].allSatisfy(\.isNumber) && parts[1].count == 4, "\(generated)")

        let now = Date()
        let listed = try daemon.ctr(["leases", "ls"])
        #expect(listed.status == 0, "\(listed)")
        let table = CtrTable(spaced: listed.stdout, columns: Self.leaseColumns)
        #expect(table.columns == Self.leaseColumns, "\(listed)")
        // Listed in ID (byte) order.
        let ids = ["mylease", "lab", "forever", generatedID].sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(table.column("ID") == ids, "\(listed)")
        #expect(try lines(daemon.ctr(["leases", "ls", "-q"]).stdout) == ids)
        for row in table.rows {
            let createdAt = iso8601(row["CREATED AT"] ?? "")
            #expect(createdAt.map { abs($0.timeIntervalSince(now)) < 120 } == true, "\(listed)")
        }
        // --expires becomes the containerd.io/gc.expire label (RFC 3339, set by ctr); labels are sorted.
        let lab = try #require(table.row("ID", "lab"), "\(listed)")
        let labLabels = (lab["LABELS"] ?? "").split(separator: ",").map(String.init)
        #expect(labLabels.count == 3 && labLabels[0] == "a=b" && labLabels[2] == "k=v", "\(listed)")
        #expect(labLabels.count == 3 && labLabels[1].hasPrefix("containerd.io/gc.expire="), "\(listed)")
        let labExpiry = labLabels.count == 3 ? iso8601(String(labLabels[1].dropFirst("containerd.io/gc.expire=".count))) : nil
        #expect(labExpiry.map { abs($0.timeIntervalSince(now) - 3600) < 120 } == true, "\(listed)")
        let defaultExpiry = table.row("ID", "mylease")?["LABELS"]
        #expect(defaultExpiry?.hasPrefix("containerd.io/gc.expire=") == true, "\(listed)")
        let dayLater = iso8601(String(defaultExpiry?.dropFirst("containerd.io/gc.expire=".count) ?? ""))
        #expect(dayLater.map { abs($0.timeIntervalSince(now) - 86400) < 120 } == true, "\(listed)")
        #expect(table.row("ID", "forever")?["LABELS"] == "-", "\(listed)")

        // Filters.
        #expect(try daemon.ctr(["leases", "ls", "-q", "id==lab"]).stdout == "lab\n")
        #expect(try daemon.ctr(["leases", "ls", "-q", "labels.k==v"]).stdout == "lab\n")

        let duplicate = try daemon.ctr(["leases", "create", "--id", "mylease"])
        #expect(duplicate.status == 1, "\(duplicate)")
        #expect(duplicate.stderr == "ctr: lease \"mylease\": already exists\n", "\(duplicate)")

        // Namespaced: a lease in x is not seen from default.
        #expect(try daemon.ctr(["leases", "create", "--id", "L"], namespace: "x").stdout == "L\n")
        #expect(try daemon.ctr(["leases", "ls", "-q"], namespace: "x").stdout == "L\n")
        #expect(try !lines(daemon.ctr(["leases", "ls", "-q"]).stdout).contains("L"))

        let removed = try daemon.ctr(["leases", "rm", "mylease"])
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "mylease\n", "\(removed)")
        let again = try daemon.ctr(["leases", "rm", "mylease"])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr == "ctr: lease \"mylease\": not found\n", "\(again)")
        let several = try daemon.ctr(["leases", "rm", "--sync", "lab", "forever", generatedID])
        #expect(several.status == 0, "\(several)")
        #expect(lines(several.stdout) == ["lab", "forever", generatedID], "\(several)")
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")
        #expect(try daemon.ctr(["leases", "rm", "L"], namespace: "x").stdout == "L\n")
    }

    /// containerd 1.6 does not validate lease IDs (unlike namespaces, images or containers), and ctr depends on it:
    /// the Go client's WithLease (used by `images import`, `images tag`, `images pull`...) names its lease
    /// "<nanoseconds>-<base64url of 3 random bytes>", which can hold "-_" or end in "_" or "-" (seen: "562274454-_Ns2",
    /// "16008356-q7X_"), so checking lease IDs as identifiers fails those commands at random.
    @Test(arguments: DaemonUnderTest.everyFlow)
    func leaseIDsAreNotValidatedAsIdentifiers(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let ids = ["562274454-_Ns2", "16008356-q7X_", "1-ab-", "bad id!"]
        for id in ids {
            let created = try daemon.ctr(["leases", "create", "--id", id])
            #expect(created.status == 0, "\(created)")
            #expect(created.stdout == "\(id)\n", "\(created)")
        }
        let sorted = ids.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(try lines(daemon.ctr(["leases", "ls", "-q"]).stdout) == sorted)
        for id in ids {
            #expect(try daemon.ctr(["leases", "rm", id]).stdout == "\(id)\n")
        }
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")
    }

    @Test(arguments: DaemonUnderTest.everyFlow)
    func expiredLeasesAreCollected(_ kind: DaemonUnderTest) throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        #expect(try daemon.ctr(["leases", "create", "--id", "short", "--expires", "1s"]).stdout == "short\n")
        #expect(try daemon.ctr(["leases", "create", "--id", "long"]).stdout == "long\n")
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "long\nshort\n")
        Thread.sleep(forTimeInterval: 2.5)
        // An expired lease stays listed until a collection runs; removing a lease with --sync runs one.
        try collectGarbage(daemon)
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "long\n")
    }

    @Test(arguments: DaemonUnderTest.keyFlows)
    func contentHeldByALeaseSurvivesCollectionUntilTheLeaseGoes(_ kind: DaemonUnderTest) async throws {
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let leased = scratch.path("leased.txt")
        let loose = scratch.path("loose.txt")
        try Data("leased\n".utf8).write(to: URL(fileURLWithPath: leased))
        try Data("loose\n".utf8).write(to: URL(fileURLWithPath: loose))
        let leasedDigest = try sha256(of: leased)
        let looseDigest = try sha256(of: loose)

        #expect(try daemon.ctr(["leases", "create", "--id", "L"], namespace: "x").stdout == "L\n")
        // ctr 1.6's `content ingest` takes no lease: what it writes is held by nothing once committed.
        let ingestedLeased = try daemon.ctr(["content", "ingest", "r-leased"], namespace: "x", stdinFile: leased)
        #expect(ingestedLeased.status == 0, "\(ingestedLeased)")
        let ingestedLoose = try daemon.ctr(["content", "ingest", "r-loose"], namespace: "x", stdinFile: loose)
        #expect(ingestedLoose.status == 0, "\(ingestedLoose)")
        #expect(try daemon.ctr(["leases", "ls", "-q"], namespace: "x").stdout == "L\n")
        #expect(try Set(lines(daemon.ctr(["content", "ls", "-q"], namespace: "x").stdout)) == [leasedDigest, looseDigest])

        // ctr has no command to put a resource in a lease; the leases service's AddResource does it.
        let resources = try await addContentToLease(daemon, namespace: "x", lease: "L", digest: leasedDigest)
        #expect(resources.map { "\($0.type) \($0.id)" } == ["content \(leasedDigest)"])

        try collectGarbage(daemon, namespace: "x")
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "x").stdout == "\(leasedDigest)\n")
        #expect(daemon.blobExists(leasedDigest))
        #expect(!daemon.blobExists(looseDigest))

        let removed = try daemon.ctr(["leases", "rm", "--sync", "L"], namespace: "x")
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "L\n", "\(removed)")
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "x").stdout == "")
        #expect(!daemon.blobExists(leasedDigest))
    }

    // MARK: Namespaces

    @Test(arguments: DaemonUnderTest.everyFlow)
    func contentAndImagesOfOneNamespaceAreInvisibleFromAnother(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let blob = scratch.path("blob.txt")
        try Data("hello-b\n".utf8).write(to: URL(fileURLWithPath: blob))
        let digest = try sha256(of: blob)

        #expect(try daemon.ctr(["content", "ingest", "rb"], namespace: "nsa", stdinFile: blob).status == 0)
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "nsa").stdout == "\(digest)\n")
        let other = try daemon.ctr(["content", "ls"], namespace: "nsb")
        #expect(other.status == 0, "\(other)")
        #expect(CtrTable(tabbed: other.stdout).columns == ["DIGEST", "SIZE", "AGE", "LABELS"], "\(other)")
        #expect(CtrTable(tabbed: other.stdout).rows.isEmpty, "\(other)")
        let get = try daemon.ctr(["content", "get", digest], namespace: "nsb")
        #expect(get.status == 1, "\(get)")
        #expect(get.stderr == "ctr: content digest \(digest): not found\n", "\(get)")
        let label = try daemon.ctr(["content", "label", digest, "k=v"], namespace: "nsb")
        #expect(label.status == 1, "\(label)")
        #expect(label.stderr == "ctr: content digest \(digest): not found\n", "\(label)")
        let removed = try daemon.ctr(["content", "rm", digest], namespace: "nsb")
        #expect(removed.status == 0, "\(removed)")
        #expect(removed.stdout == "", "\(removed)")
        #expect(try daemon.ctr(["content", "ls", "-q"], namespace: "nsa").stdout == "\(digest)\n")
        #expect(daemon.blobExists(digest))

        let imported = try daemon.ctr(
            ["images", "import", "--no-unpack", fixtures.ociArchive], namespace: "nsa", timeout: 120)
        #expect(imported.status == 0, "\(imported)")
        #expect(try daemon.ctr(["images", "ls", "-q"], namespace: "nsa").stdout == "\(fixtures.latest.name)\n")
        #expect(try daemon.ctr(["images", "ls", "-q"], namespace: "nsb").stdout == "")
        let removedImage = try daemon.ctr(["images", "rm", fixtures.latest.name], namespace: "nsb")
        #expect(removedImage.status == 0, "\(removedImage)")
        #expect(removedImage.stderr.contains("image not found"), "\(removedImage)")
        #expect(try daemon.ctr(["images", "ls", "-q"], namespace: "nsa").stdout == "\(fixtures.latest.name)\n")
    }

    // MARK: Bad input

    @Test(arguments: DaemonUnderTest.keyFlows)
    func truncatedArchivesFailAndLeaveNoImage(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }

        let oci = scratch.path("truncated.oci.tar")
        let layerMember = "blobs/sha256/" + image.layer.dropSHA256
        try ImageFixtures.truncated(fixtures.ociArchive, inMember: layerMember, to: oci)
        let ociImport = try daemon.ctr(["images", "import", "--no-unpack", oci], timeout: 120)
        #expect(ociImport.status == 1, "\(ociImport)")
        #expect(
            ociImport.stderr.contains(
                "ctr: failed to ingest \"\(layerMember)\": failed to read expected number of bytes: unexpected EOF"),
            "\(ociImport)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "")
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")

        let docker = scratch.path("truncated.docker.tar")
        let dockerLayer = image.diffID.dropSHA256 + ".tar"
        try ImageFixtures.truncated(fixtures.dockerArchive, inMember: dockerLayer, to: docker)
        let dockerImport = try daemon.ctr(["images", "import", "--no-unpack", docker], timeout: 120)
        #expect(dockerImport.status == 1, "\(dockerImport)")
        #expect(
            dockerImport.stderr.contains(
                "ctr: failed to ingest \"\(dockerLayer)\": failed to read expected number of bytes: unexpected EOF"),
            "\(dockerImport)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "")
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")
        #expect(daemon.isStillServing())
    }

    /// Import reads the manifests back by digest; a manifest whose bytes changed is stored under another digest.
    @Test(arguments: DaemonUnderTest.everyFlow)
    func corruptedManifestFailsTheImport(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let daemon = try kind.start()
        defer { daemon.release() }
        let scratch = try ScratchFolder()
        defer { scratch.remove() }
        let archive = scratch.path("bad-manifest.oci.tar")
        try ImageFixtures.corrupted(
            fixtures.ociArchive, inMember: "blobs/sha256/" + image.manifest.dropSHA256, to: archive)
        let imported = try daemon.ctr(["images", "import", "--no-unpack", archive], timeout: 120)
        #expect(imported.status == 1, "\(imported)")
        #expect(imported.stderr == "ctr: content digest \(image.manifest): not found\n", "\(imported)")
        #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "")
        #expect(try daemon.ctr(["leases", "ls", "-q"]).stdout == "")
    }

    /// Surprising but true of containerd 1.6: import never checks a layer against the digest it is filed under. ctr
    /// writes each archive member without an expected digest and names blobs by what it hashed, so a corrupted layer
    /// is stored under its actual digest. An OCI image then misses its layer (import succeeds, check says
    /// incomplete); a Docker image gets a manifest naming the corrupted layer.
    @Test(arguments: DaemonUnderTest.everyFlow)
    func corruptedLayersAreNotCaughtByImport(_ kind: DaemonUnderTest) throws {
        let fixtures = try ImageFixtures.current()
        let image = fixtures.latest
        let scratch = try ScratchFolder()
        defer { scratch.remove() }

        // Each archive goes to a fresh daemon: a failed or earlier import could leave an ingest to resume.
        do {
            let daemon = try kind.start()
            defer { daemon.release() }
            let archive = scratch.path("bad-layer.oci.tar")
            try ImageFixtures.corrupted(
                fixtures.ociArchive, inMember: "blobs/sha256/" + image.layer.dropSHA256, to: archive)
            let imported = try daemon.ctr(["images", "import", "--no-unpack", archive], timeout: 120)
            #expect(imported.status == 0, "\(imported)")
            #expect(try daemon.ctr(["images", "ls", "-q"]).stdout == "\(image.name)\n")
            #expect(try !lines(daemon.ctr(["content", "ls", "-q"]).stdout).contains(image.layer))
            let layer = try daemon.ctr(["content", "get", image.layer])
            #expect(layer.stderr == "ctr: content digest \(image.layer): not found\n", "\(layer)")
            let checked = try daemon.ctr(["images", "check"])
            #expect(checked.status == 0, "\(checked)")
            let row = CtrTable(spaced: checked.stdout, columns: Self.checkColumns).row("REF", image.name)
            #expect(row?["STATUS"] == "incomplete (1/2)", "\(checked)")
        }
        do {
            let daemon = try kind.start()
            defer { daemon.release() }
            let archive = scratch.path("bad-layer.docker.tar")
            let member = image.diffID.dropSHA256 + ".tar"
            try ImageFixtures.corrupted(fixtures.dockerArchive, inMember: member, to: archive)
            let tar = try TarArchive(path: archive)
            let entry = try tar.member(named: member)
            let corruptedLayer = scratch.path("corrupted-layer.tar")
            try tar.data.subdata(in: entry.offset..<(entry.offset + entry.size)).write(
                to: URL(fileURLWithPath: corruptedLayer))
            let corruptedDigest = try sha256(of: corruptedLayer)

            let imported = try daemon.ctr(["images", "import", "--no-unpack", archive], timeout: 120)
            #expect(imported.status == 0, "\(imported)")
            let listed = CtrTable(spaced: try daemon.ctr(["images", "ls"]).stdout, columns: Self.imageColumns)
            let manifestDigest = try #require(listed.row("REF", image.name)?["DIGEST"], "\(listed.rows)")
            let manifestFile = scratch.path("manifest.json")
            #expect(try daemon.ctr(["content", "get", manifestDigest], stdoutFile: manifestFile).status == 0)
            let manifest = try jsonObject(String(contentsOfFile: manifestFile, encoding: .utf8))
            let layers = manifest?["layers"] as? [[String: Any]] ?? []
            #expect(layers.first?["digest"] as? String == corruptedDigest)
            #expect(try lines(daemon.ctr(["content", "ls", "-q"]).stdout).contains(corruptedDigest))
            let checked = try daemon.ctr(["images", "check"])
            let row = CtrTable(spaced: checked.stdout, columns: Self.checkColumns).row("REF", image.name)
            #expect(row?["STATUS"] == "complete (2/2)", "\(checked)")
        }
    }

    // MARK: Helpers

    static let imageColumns = ["REF", "TYPE", "DIGEST", "SIZE", "PLATFORMS", "LABELS"]
    static let checkColumns = ["REF", "TYPE", "DIGEST", "STATUS", "SIZE", "UNPACKED"]
    static let leaseColumns = ["ID", "CREATED AT", "LABELS"]

    private func contentLabels(_ daemon: any ServingDaemon, _ digest: String) throws -> Set<String> {
        let listed = try daemon.ctr(["content", "ls"])
        return labelSet(CtrTable(tabbed: listed.stdout).row("DIGEST", digest)?["LABELS"] ?? "")
    }

    /// Runs a collection and waits for it: containerd collects after a lease is removed, and `--sync` waits.
    private func collectGarbage(_ daemon: any ServingDaemon, namespace: String? = nil) throws {
        let created = try daemon.ctr(["leases", "create", "--id", "gc-trigger"], namespace: namespace)
        #expect(created.status == 0, "\(created)")
        let removed = try daemon.ctr(["leases", "rm", "--sync", "gc-trigger"], namespace: namespace)
        #expect(removed.status == 0, "\(removed)")
    }

    /// Adds a blob to a lease with the leases service (ctr cannot), and returns the lease's resources.
    private func addContentToLease(_ daemon: any ServingDaemon, namespace: String, lease: String, digest: String)
        async throws -> [Containerd_Services_Leases_V1_Resource]
    {
        let transport = try HTTP2ClientTransport.Posix(
            target: .unixDomainSocket(path: daemon.socket), transportSecurity: .plaintext)
        return try await withGRPCClient(transport: transport) { grpc in
            let leases = Containerd_Services_Leases_V1_Leases.Client(wrapping: grpc)
            var metadata = GRPCCore.Metadata()
            metadata.addString(namespace, forKey: "containerd-namespace")
            _ = try await leases.addResource(
                .with {
                    $0.id = lease
                    $0.resource = .with {
                        $0.id = digest
                        $0.type = "content"
                    }
                }, metadata: metadata)
            return try await leases.listResources(.with { $0.id = lease }, metadata: metadata).resources
        }
    }
}

/// Which daemon a test drives. `BERTH_TEST_DAEMONS` chooses: `berth` (berthd only), `containerd` (the reference
/// only: checks the tests themselves), `both` (every test on both). Unset, every test runs on berthd and the key
/// flows run on containerd too when /usr/bin/containerd is installed.
enum DaemonUnderTest: String, Sendable, CustomTestStringConvertible {
    case berth
    case containerd

    var testDescription: String { rawValue }

    func start() throws -> any ServingDaemon {
        switch self {
        case .berth: try DaemonProcess()
        case .containerd: try ReferenceContainerd()
        }
    }

    private static let choice = ProcessInfo.processInfo.environment["BERTH_TEST_DAEMONS"] ?? ""

    /// The flows checked against containerd by default.
    static let keyFlows: [DaemonUnderTest] =
        switch choice {
        case "berth": [.berth]
        case "containerd": [.containerd]
        case "both": [.berth, .containerd]
        default: ReferenceContainerd.isInstalled ? [.berth, .containerd] : [.berth]
        }

    /// The other flows: berthd only by default.
    static let everyFlow: [DaemonUnderTest] =
        switch choice {
        case "containerd": [.containerd]
        case "both": [.berth, .containerd]
        default: [.berth]
        }
}

// MARK: - Reading ctr's output

/// A table as ctr prints it with Go's tabwriter.
private struct CtrTable {
    let columns: [String]
    let rows: [[String: String]]

    /// Tables padded with tabs (`content ls`, `content active`): cells are the non-empty tab-separated fields.
    init(tabbed output: String) {
        func cells(_ line: String) -> [String] {
            line.split(separator: "\t").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        let all = lines(output)
        let columns = all.first.map(cells) ?? []
        self.columns = columns
        rows = all.dropFirst().map { line in
            Dictionary(zip(columns, cells(line)), uniquingKeysWith: { first, _ in first })
        }
    }

    /// Tables padded with spaces (`images ls`, `images check`, `leases ls`), whose cells may hold spaces
    /// ("1.0 MiB"): a cell starts where its column's header does. `columns` holds the headers found, in order.
    init(spaced output: String, columns names: [String]) {
        let all = lines(output)
        guard let header = all.first else {
            columns = []
            rows = []
            return
        }
        var starts: [Int] = []
        var found: [String] = []
        var from = header.startIndex
        for name in names {
            guard let range = header.range(of: name, range: from..<header.endIndex) else { break }
            starts.append(header.utf8.distance(from: header.startIndex, to: range.lowerBound))
            found.append(name)
            from = range.upperBound
        }
        // Anything else in the header (an unexpected column) shows up as a mismatch with `names`.
        if header.split(separator: " ").joined(separator: " ") != names.joined(separator: " ") {
            found.append("<header: \(header)>")
        }
        columns = found
        rows = all.dropFirst().map { line in
            let bytes = Array(line.utf8)
            var row: [String: String] = [:]
            for index in starts.indices {
                let start = min(starts[index], bytes.count)
                let end = index + 1 < starts.count ? min(starts[index + 1], bytes.count) : bytes.count
                row[found[index]] = String(decoding: bytes[start..<max(start, end)], as: UTF8.self)
                    .trimmingCharacters(in: .whitespaces)
            }
            return row
        }
    }

    func row(_ column: String, _ value: String) -> [String: String]? { rows.first { $0[column] == value } }
    func column(_ name: String) -> [String] { rows.compactMap { $0[name] } }
}

private func lines(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
}

/// "k=v,a=b" (or "-", or ctr's printed labels with a newline) as a set of "k=v".
private func labelSet(_ text: String) -> Set<String> {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    return trimmed == "-" || trimmed.isEmpty ? [] : Set(trimmed.split(separator: ",").map(String.init))
}

/// Go's units.HumanDuration, as ctr prints a blob's AGE.
private func isHumanDuration(_ text: String) -> Bool {
    if ["Less than a second", "1 second", "About a minute", "About an hour"].contains(text) { return true }
    let parts = text.split(separator: " ")
    return parts.count == 2 && Int(parts[0]) != nil && ["seconds", "minutes", "hours"].contains(String(parts[1]))
}

/// ctr's binary size format for images (progress.Bytes): "1.0 MiB", "395.0 B".
private func binarySize(_ bytes: Int) -> String {
    let suffixes = ["B", "KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes)
    var index = 0
    while value >= 1024 && index < suffixes.count - 1 {
        value /= 1024
        index += 1
    }
    return String(format: "%.1f", value) + " " + suffixes[index]
}

private func iso8601(_ text: String) -> Date? {
    ISO8601DateFormatter().date(from: text)
}

private func jsonObject(_ text: String) -> [String: Any]? {
    (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
}

// MARK: - Files

/// A temporary folder for one test's files.
private struct ScratchFolder {
    let directory: String

    init() throws {
        directory = "/tmp/berth-scratch-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    func path(_ name: String) -> String { directory + "/" + name }
    func remove() { try? FileManager.default.removeItem(atPath: directory) }
}

private func makeRandomFile(_ path: String, mebibytes: Int) throws {
    let result = try Command.run(
        URL(fileURLWithPath: "/bin/dd"), ["if=/dev/urandom", "of=\(path)", "bs=1M", "count=\(mebibytes)", "status=none"],
        timeout: 120)
    guard result.status == 0 else { throw TestFailure("dd failed: \(result)") }
}

private func makeRandomFile(_ path: String, bytes: Int) throws {
    guard let random = FileHandle(forReadingAtPath: "/dev/urandom") else { throw TestFailure("no /dev/urandom") }
    defer { try? random.close() }
    let data = try random.read(upToCount: bytes) ?? Data()
    guard data.count == bytes else { throw TestFailure("short read from /dev/urandom") }
    try data.write(to: URL(fileURLWithPath: path))
}

/// `sha256:<hex>` of a file, by sha256sum.
private func sha256(of path: String) throws -> String {
    let result = try Command.run(URL(fileURLWithPath: "/usr/bin/sha256sum"), [path], timeout: 120)
    guard result.status == 0, let hex = result.stdout.split(separator: " ").first, hex.count == 64 else {
        throw TestFailure("sha256sum \(path): \(result)")
    }
    return "sha256:" + hex
}

private func fileSize(_ path: String) -> Int? {
    guard let value = try? FileManager.default.attributesOfItem(atPath: path)[.size] else { return nil }
    if let number = value as? NSNumber { return number.intValue }
    if let number = value as? UInt64 { return Int(number) }
    return value as? Int
}

/// Polls `condition` until it holds or `timeout` passes.
private func eventually(timeout: TimeInterval = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        Thread.sleep(forTimeInterval: 0.05)
    }
    return condition()
}

extension ServingDaemon {
    /// The daemon still answers (`ctr version`).
    fileprivate func isStillServing() -> Bool {
        (try? ctr(["version"]).status) == 0
    }
}
