import Foundation
import Testing

/// The root filesystem berthd unpacks from a multi-layer image is the one `umoci unpack` makes from the same image:
/// same paths, types, modes (setuid, setgid, sticky), owners, sizes, contents, file mtimes, symlink targets, device
/// numbers, hard-link groups and xattrs (see `TreeSnapshot`), after every layer, on both snapshotters.
///
/// The image is built by umoci from real changes to a real tree (see `FidelityImages`), so its whiteouts are the ones
/// a real tool writes; a fifth layer, written by hand with GNU tar, adds the opaque whiteouts umoci never emits.
@Suite(.serialized, .fidelityImages) struct UnpackFidelityTests {
    @Test(arguments: ["overlayfs", "native"])
    func unpackedRootfsEqualsUmociUnpack(_ snapshotter: String) throws {
        let images = try FidelityImages.current()
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        // Every prefix of the layer stack is an image of its own: a difference shows up at the layer that makes it.
        for step in images.steps {
            let label = "after layer \(step.number) (\(step.summary)), \(snapshotter)"
            // overlayfs is the default: import without naming it.
            let choice = snapshotter == "overlayfs" ? [] : ["--snapshotter", snapshotter]
            let imported = try Command.run(
                Binaries.berth, ["--address", daemon.socket, "images", "import"] + choice + [step.archive], timeout: 120)
            guard imported.status == 0 else {
                Issue.record("\(label): berth images import failed:\n\(imported)")
                continue
            }
            let unpacked = try withMountedImage(step, snapshotter: snapshotter, daemon: daemon) {
                try TreeSnapshot.walk($0)
            }
            guard let unpacked else { continue }
            let differences = unpacked.differences(from: step.reference, referenceName: "umoci", name: "berthd")
            #expect(
                differences.isEmpty,
                "\(label): \(differences.count) differences:\n\(differences.prefix(60).joined(separator: "\n"))")
        }
    }

    /// The same tree when berthd pulls the five-layer image from a registry itself: every layer is decompressed
    /// into its own snapshot while it downloads, all at once, and committed onto its parent afterwards.
    @Test func layersAppliedWhileDownloadingEqualUmociUnpack() throws {
        let images = try FidelityImages.current()
        guard let step = images.steps.last else { throw TestFailure("no fidelity steps") }
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(archive: step.archive, to: "fidelity:pulled")
        let daemon = try DaemonProcess()
        defer { daemon.removeFiles() }
        let reference = "\(registry.address)/fidelity:pulled"
        let pulled = try ClientTool.berth.run(daemon, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(pulled.stdout.contains("\(step.number) layers applied while downloading, 0 after"), "\(pulled)")
        let unpacked = try withMountedImage(step, snapshotter: "overlayfs", daemon: daemon, name: reference) {
            try TreeSnapshot.walk($0)
        }
        guard let unpacked else { return }
        let differences = unpacked.differences(from: step.reference, referenceName: "umoci", name: "berthd")
        #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.prefix(60).joined(separator: "\n"))")
        // Nothing of the pull is left but the image's own snapshots: no extract-* keys, no lease.
        let snapshots = try ClientTool.ctr.run(daemon, ["snapshots", "ls"])
        #expect(!snapshots.stdout.contains("extract-"), "\(snapshots)")
        #expect(try ClientTool.ctr.run(daemon, ["leases", "ls", "-q"]).stdout == "")
    }

    /// berthd killed (SIGKILL) while it downloads and unpacks: after the restart nothing half-unpacked is
    /// visible (no committed layer, no `extract-` snapshot, no image), and the pull, run again, completes with
    /// the tree umoci makes.
    @Test func aPullKilledDuringUnpackLeavesNothingAndCompletesAfterRestart() throws {
        let images = try FidelityImages.current()
        guard let step = images.steps.last else { throw TestFailure("no fidelity steps") }
        let registry = try LocalRegistry()
        defer { registry.stop() }
        try registry.push(archive: step.archive, to: "fidelity:killed")
        let archiveSize = (try FileManager.default.attributesOfItem(atPath: step.archive)[.size] as? Int) ?? (4 << 20)
        let proxy = try ThrottlingProxy(upstream: registry.address, bytesPerSecond: max(64 << 10, archiveSize / 4))
        defer { proxy.stop() }
        let first = try DaemonProcess()
        defer { first.removeFiles() }

        let client = try Background(
            Binaries.berth, ["--address", first.socket, "images", "pull", "--plain-http", "\(proxy.address)/fidelity:killed"])
        var unpacking = false
        let deadline = Date().addingTimeInterval(20)
        while !unpacking && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
            unpacking = try ClientTool.ctr.run(first, ["snapshots", "ls"]).stdout.contains("extract-")
        }
        #expect(unpacking, "no layer was being unpacked")
        first.stop(signal: SIGKILL)
        kill(client.process.processIdentifier, SIGKILL)
        _ = client.finish()

        let second = try DaemonProcess(base: first.base)
        let snapshots = try ClientTool.ctr.run(second, ["snapshots", "ls"])
        #expect(snapshots.stdout.split(separator: "\n").count == 1, "only the header:\n\(snapshots)")
        #expect(try ClientTool.ctr.run(second, ["images", "ls", "-q"]).stdout == "")

        let reference = "\(registry.address)/fidelity:killed"
        let pulled = try ClientTool.berth.run(second, ["images", "pull", "--plain-http", reference], timeout: 120)
        #expect(pulled.status == 0, "\(pulled)")
        #expect(try ClientTool.ctr.run(second, ["content", "active"]).stdout.split(separator: "\n").count <= 1, "no ingest left")
        let unpacked = try withMountedImage(step, snapshotter: "overlayfs", daemon: second, name: reference) {
            try TreeSnapshot.walk($0)
        }
        guard let unpacked else { return }
        let differences = unpacked.differences(from: step.reference, referenceName: "umoci", name: "berthd")
        #expect(differences.isEmpty, "\(differences.count) differences:\n\(differences.prefix(60).joined(separator: "\n"))")
    }

    /// The fixture is only worth something if umoci really wrote the whiteouts the layers are meant to exercise.
    @Test func umociWroteTheWhiteoutsTheLayersExercise() throws {
        let images = try FidelityImages.current()
        let layers = images.steps.map(\.layerMembers)
        func expectMembers(_ layer: Int, _ present: [String], absent: [String] = []) {
            let members = Set(layers[layer - 1])
            for name in present {
                #expect(members.contains(name), "layer \(layer) has no \(name):\n\(images.steps[layer - 1].layerListing)")
            }
            for name in absent {
                #expect(!members.contains(name), "layer \(layer) has \(name):\n\(images.steps[layer - 1].layerListing)")
            }
        }
        // Deleted files and the whole former content of a re-created directory: one `.wh.` per name, no opaque.
        // secure/ kept its mtime, so umoci wrote its whiteout without an entry for the directory itself.
        expectMembers(
            2, ["data/.wh.exec.sh", "opt/app/.wh.a", "opt/app/.wh.b", "opt/app/c", "secure/.wh.a", "data/sub/"],
            absent: ["secure/"])
        // A deleted tree is one whiteout for its top; renames are a whiteout plus the new name.
        expectMembers(
            3, [".wh.private", "etc/.wh.os-release", "etc/os-release.renamed", "opt/.wh.app", "opt/app2/a/again",
                "misc/.wh.fifo", "misc/fifo2", "data/exec.sh/inner.txt"],
            absent: ["private/nested/.wh.more", "private/.wh.nested"])
        // A directory that became a symlink: the symlink, then a whiteout for the old directory's child below it.
        expectMembers(4, ["data/sub", "data/sub/.wh.deep", "etc/hostname/name", "lib/rel", "misc/empty"])
        expectMembers(5, ["usr/bin/.wh..wh..opq", "misc/.wh..wh..opq", "usr/bin/only", "usr/bin/later"], absent: ["misc/"])
        for (index, members) in layers.prefix(4).enumerated() {
            #expect(!members.contains { $0.hasSuffix(".wh..wh..opq") }, "umoci wrote an opaque whiteout in layer \(index + 1)")
        }
    }

    /// Mounts `step`'s image read-only, runs `body` on the mount point and unmounts it, even when `body` throws.
    /// overlayfs goes through `ctr images mount`. ctr 1.6's `images mount` ignores its `--snapshotter` flag (it reads
    /// the snapshotter from a global flag ctr does not have, so it always mounts overlayfs), so the native image
    /// is mounted from a `ctr snapshots --snapshotter native prepare` on its chain ID. Returns nil after recording an
    /// issue if the mount fails.
    private func withMountedImage<T>(
        _ step: FidelityImages.Step, snapshotter: String, daemon: DaemonProcess, name: String? = nil,
        _ body: (String) throws -> T
    ) throws -> T? {
        let label = "after layer \(step.number), \(snapshotter)"
        let mountpoint = daemon.base + "/mnt-\(snapshotter)-\(step.number)"
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: mountpoint) }
        if snapshotter == "overlayfs" {
            let mounted = try ClientTool.ctr.run(daemon, ["images", "mount", name ?? step.name, mountpoint])
            guard mounted.status == 0 else {
                Issue.record("\(label): ctr images mount failed:\n\(mounted)")
                return nil
            }
            defer {
                // --rm also removes the view and the lease `images mount` made.
                let unmounted = try? ClientTool.ctr.run(daemon, ["images", "unmount", "--rm", mountpoint])
                #expect(unmounted?.status == 0, "\(label): ctr images unmount: \(unmounted.map { "\($0)" } ?? "did not run")")
                Self.forceUnmount(mountpoint)
            }
            // ctr prints the chain ID it mounted, then the target.
            #expect(mounted.stdout == "\(step.chainID)\n\(mountpoint)\n", "\(label): \(mounted)")
            return try body(mountpoint)
        }
        // `ctr snapshots view` labels nothing, so garbage collection (berthd collects shortly after an import) may
        // remove the view even while it is mounted; `ctr snapshots prepare` labels its snapshot containerd.io/gc.root.
        // The active snapshot is a copy of the image's top snapshot, as a view is; it is mounted read-only.
        let key = "fidelity-\(step.number)"
        let prepared = try ClientTool.ctr.run(
            daemon, ["snapshots", "--snapshotter", snapshotter, "prepare", "--mounts", key, step.chainID])
        guard prepared.status == 0 else {
            Issue.record("\(label): ctr snapshots prepare failed:\n\(prepared)")
            return nil
        }
        defer {
            let removed = try? ClientTool.ctr.run(daemon, ["snapshots", "--snapshotter", snapshotter, "rm", key])
            #expect(removed?.status == 0, "\(label): ctr snapshots rm: \(removed.map { "\($0)" } ?? "did not run")")
        }
        guard let mounts = try? JSONSerialization.jsonObject(with: Data(prepared.stdout.utf8)) as? [[String: Any]],
            mounts.count == 1, let type = mounts[0]["Type"] as? String, let source = mounts[0]["Source"] as? String,
            let options = mounts[0]["Options"] as? [String]
        else {
            Issue.record("\(label): ctr snapshots prepare did not give one mount:\n\(prepared)")
            return nil
        }
        let readOnly = ["ro"] + options.filter { $0 != "rw" && $0 != "ro" }
        let mounted = try Command.run(
            URL(fileURLWithPath: "/usr/bin/mount"), ["-t", type, "-o", readOnly.joined(separator: ","), source, mountpoint])
        defer { Self.forceUnmount(mountpoint) }
        guard mounted.status == 0 else {
            Issue.record("\(label): mounting the snapshot failed:\n\(mounted)")
            return nil
        }
        return try body(mountpoint)
    }

    /// Unmounts whatever is still mounted on `path` (nothing after a clean `ctr images unmount`).
    private static func forceUnmount(_ path: String) {
        let mountinfo = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        let mounted = mountinfo.split(separator: "\n").contains { $0.split(separator: " ").dropFirst(4).first == Substring(path) }
        guard mounted else { return }
        _ = try? Command.run(URL(fileURLWithPath: "/usr/bin/umount"), [path])
    }
}

/// A five-layer image built with umoci around the static busybox, one OCI archive per prefix of its layers
/// (`docker.io/library/fidelity:step1` ... `:step5`), and the tree `umoci unpack` makes of each.
///
/// Layers 1 to 4 are made the way an image author makes them: `umoci unpack` the previous step into a bundle,
/// change its rootfs with ordinary tools, `umoci repack`; umoci diffs the tree against the bundle's mtree manifest
/// and writes the layer, whiteouts included. umoci compares mtimes at whole seconds, so after each change every
/// touched path gets that layer's fixed mtime: without that, a directory changed within the second of its previous
/// mtime would not be in the layer, and the layers would differ from run to run.
///
/// What umoci 0.4.7 wrote (`tar -tvzf` of the layers, layer 1 left out):
///
///     layer 2: data/ data/.wh.exec.sh data/hard1 data/hard2 (link to data/hard1) data/owned.txt data/sub/
///              data/xattr.txt etc/ etc/os-release misc/ opt/ opt/app/ opt/app/.wh.a opt/app/.wh.b opt/app/c
///              secure/.wh.a
///     layer 3: . data/ data/exec.sh/ data/exec.sh/inner.txt etc/ etc/.wh.os-release etc/os-release.renamed misc/
///              misc/.wh.fifo misc/fifo2 opt/ opt/.wh.app opt/app2/ opt/app2/a/ opt/app2/a/again opt/app2/c
///              .wh.private
///     layer 4: data/ data/sub -> /tmp data/sub/.wh.deep etc/ etc/hostname/ etc/hostname/name lib/ lib/rel misc/
///              misc/empty -> ../etc
///
/// - umoci never writes an opaque whiteout: a directory deleted and re-created (opt/app) becomes one `.wh.` per
///   former child. A deleted tree (private/) is a single whiteout for its top. Whiteouts are 0/0, mode 0, mtime 0,
///   and sorted under the name they hide (so `.wh.private` comes after `opt/...`).
/// - A directory whose mtime did not change is left out even when a whiteout lands in it (secure/ in layer 2).
/// - A directory replaced by a symlink is the symlink followed by whiteouts for the old directory's children
///   *below the symlink* (data/sub/.wh.deep in layer 4). umoci unpack (and containerd) treat those as no-ops.
///
/// Layer 5 is written by hand (GNU tar, added with `umoci raw add-layer`, which gzips it) for what umoci does not
/// write: opaque whiteouts, one in usr/bin/ between new entries of the same layer, one in misc/ without an entry
/// for misc/ itself.
struct FidelityImages: Sendable {
    struct Step: Sendable {
        let number: Int
        let summary: String
        /// The image's name, as the archive carries it.
        let name: String
        /// OCI archive of the image made of layers 1 through `number`.
        let archive: String
        let chainID: String
        /// What `umoci unpack` makes of the image.
        let reference: TreeSnapshot
        /// `tar -tzf` of this step's own (topmost) layer, and its `tar -tvzf`.
        let layerMembers: [String]
        let layerListing: String
    }

    let directory: String
    let steps: [Step]

    static let umoci = URL(fileURLWithPath: "/usr/bin/umoci")
    static let skopeo = URL(fileURLWithPath: "/usr/bin/skopeo")
    static let shell = URL(fileURLWithPath: "/bin/sh")

    /// Fixed mtimes: layer n's changes are stamped `baseTime + n` days.
    static let baseTime = 1_000_000_000
    static func layerTime(_ layer: Int) -> Int { baseTime + layer * 86_400 }

    /// A layer made by changing the unpacked rootfs (the working directory) and letting umoci diff it. `after` runs
    /// once the changed paths got the layer's mtime.
    struct ChangeLayer: Sendable {
        let summary: String
        let script: String
        var after = ""
    }

    static let changeLayers: [ChangeLayer] = [
        ChangeLayer(
            summary: "busybox and every kind of file",
            script: #"""
                mkdir -p bin etc usr/bin lib data/sub/deep opt/app private/nested/more misc tmp secure shared
                cp /bin/busybox bin/busybox
                ln -s busybox bin/sh
                printf 'berth\n' > etc/hostname
                printf 'NAME=fidelity\nVERSION=1\n' > etc/os-release
                printf 'owned by 1000\n' > data/owned.txt; chown 1000:1000 data/owned.txt; chmod 0640 data/owned.txt
                printf '#!/bin/sh\necho hi\n' > data/exec.sh; chmod 0755 data/exec.sh
                printf 'deep\n' > data/sub/deep/file; chown -R 1001:1002 data/sub
                chown 1000:1000 data; chmod 0750 data
                printf 'a\n' > opt/app/a; printf 'b\n' > opt/app/b
                dd if=/dev/urandom of=opt/big bs=64k count=16 status=none
                printf 'secret\n' > private/nested/more/key; printf 'x' > private/nested/x; chmod 0700 private
                printf 'a\n' > secure/a; printf 'b\n' > secure/b; chown -R 1000:1000 secure; chmod 0700 secure
                chgrp 100 shared; chmod 2775 shared
                chmod 1777 tmp
                cp /bin/busybox usr/bin/suid; chmod 4755 usr/bin/suid
                printf 'sgid\n' > usr/bin/sgid; chgrp 50 usr/bin/sgid; chmod 2711 usr/bin/sgid
                printf 'cap\n' > usr/bin/capped; chmod 0755 usr/bin/capped
                ln -s ../etc/hostname lib/rel
                ln -s /etc/hostname abs
                ln -s /nowhere/at/all dangling
                printf 'linked\n' > data/hard1; ln data/hard1 data/hard2; chmod 0604 data/hard1
                mkfifo misc/fifo; chmod 0620 misc/fifo
                mknod misc/null c 1 3; chmod 0666 misc/null
                mknod misc/blk b 7 0
                : > misc/empty
                : > misc/nomode; chmod 0000 misc/nomode
                printf 'space' > 'misc/with space'
                printf 'unicode' > misc/ünïcødé
                printf 'big ids\n' > misc/bigid; chown 3000000:3000001 misc/bigid
                long=long/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
                mkdir -p $long; printf 'long\n' > $long/file-with-a-name-well-past-the-100-bytes-of-a-ustar-header
                ln -s /$long/file-with-a-name-well-past-the-100-bytes-of-a-ustar-header long/link
                printf 'xattr\n' > data/xattr.txt
                /usr/bin/python3 -c 'if True:
                    import os, struct
                    os.setxattr("data/xattr.txt", "user.test", b"hello")
                    os.setxattr("data/sub", "user.dir", b"on a dir")
                    # cap_net_raw+ep, as setcap writes it (VFS_CAP_REVISION_2 with the effective bit)
                    os.setxattr("usr/bin/capped", "security.capability", struct.pack("<5I", 0x02000001, 1 << 13, 0, 0, 0))'
                """#),
        ChangeLayer(
            summary: "delete, re-create a directory, modify, chmod, chown, xattrs",
            script: #"""
                rm data/exec.sh
                rm -r opt/app; mkdir opt/app; printf 'c\n' > opt/app/c
                printf 'NAME=fidelity\nVERSION=2\n' > etc/os-release
                chmod 0600 data/owned.txt; chown 1000:1001 data/owned.txt
                chmod 0711 misc
                printf 'more\n' >> data/hard1
                rm secure/a
                /usr/bin/python3 -c 'if True:
                    import os
                    os.setxattr("data/xattr.txt", "user.test", b"changed")
                    os.setxattr("data/xattr.txt", "user.second", b"2")
                    os.removexattr("data/sub", "user.dir")
                    os.setxattr("etc", "user.added", b"on a dir")'
                """#,
            // secure/ keeps its layer-1 mtime: umoci then writes secure/.wh.a without an entry for secure/.
            after: "touch -h -d @\(layerTime(1)) secure"),
        ChangeLayer(
            summary: "delete a tree, re-use deleted names, rename",
            script: #"""
                rm -r private
                mkdir data/exec.sh; printf 'inside\n' > data/exec.sh/inner.txt
                mkdir opt/app/a; printf 'was a file\n' > opt/app/a/again
                mv etc/os-release etc/os-release.renamed
                mv opt/app opt/app2
                mv misc/fifo misc/fifo2
                """#),
        ChangeLayer(
            summary: "file to directory, directory to symlink, symlink to file, file to symlink",
            script: #"""
                rm etc/hostname; mkdir etc/hostname; printf 'now a dir\n' > etc/hostname/name
                rm -r data/sub; ln -s /tmp data/sub
                rm lib/rel; printf 'was a symlink\n' > lib/rel
                rm misc/empty; ln -s ../etc misc/empty
                """#),
    ]

    static let opaqueLayerSummary = "opaque whiteouts, written by hand"

    /// Writes the hand-made layer 5 to `$1`, from a staging folder that is the working directory.
    static let opaqueLayerScript = #"""
        mkdir -p usr/bin misc
        printf 'only\n' > usr/bin/only
        printf 'later\n' > usr/bin/later
        : > usr/bin/.wh..wh..opq
        : > misc/.wh..wh..opq
        find . -exec touch -h -d @"$2" {} +
        tar --numeric-owner --owner=0 --group=0 -cf "$1" --no-recursion \
            usr/bin usr/bin/only usr/bin/.wh..wh..opq usr/bin/later misc/.wh..wh..opq
        """#

    /// Builds the layout, the archives and the reference trees in a fresh folder under /tmp (a few seconds).
    static func build() throws -> FidelityImages {
        let directory = "/tmp/berth-fidelity-\(UUID().uuidString.prefix(8))"
        do {
            return try build(in: directory)
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    private static func build(in directory: String) throws -> FidelityImages {
        let files = FileManager.default
        try files.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let layout = directory + "/layout"
        let bundle = directory + "/bundle"
        let marker = directory + "/changes-start"
        try run(umoci, ["init", "--layout", layout])
        try run(umoci, ["new", "--image", layout + ":step0"])
        for (index, layer) in changeLayers.enumerated() {
            let number = index + 1
            try? files.removeItem(atPath: bundle)
            try run(umoci, ["unpack", "--image", layout + ":step\(number - 1)", bundle])
            // Whatever the script changes gets a ctime after the marker's mtime.
            _ = files.createFile(atPath: marker, contents: nil)
            Thread.sleep(forTimeInterval: 0.05)
            let script = """
                umask 022
                cd "$1"
                \(layer.script)
                find . -cnewer "$2" -exec touch -h -d @"$3" {} +
                \(layer.after)
                """
            try run(shell, ["-euc", script, "sh", bundle + "/rootfs", marker, "\(layerTime(number))"])
            try run(umoci, ["repack", "--image", layout + ":step\(number)", bundle])
        }
        try files.removeItem(atPath: bundle)
        let staging = directory + "/opaque-layer"
        let opaqueLayer = directory + "/opaque-layer.tar"
        try files.createDirectory(atPath: staging, withIntermediateDirectories: true)
        try run(shell, ["-euc", "umask 022; cd \"$3\"\n" + opaqueLayerScript, "sh", opaqueLayer, "\(layerTime(5))", staging])
        try run(umoci, ["raw", "add-layer", "--image", layout + ":step4", "--tag", "step5", opaqueLayer])

        let summaries = changeLayers.map(\.summary) + [opaqueLayerSummary]
        var steps: [Step] = []
        for (index, summary) in summaries.enumerated() {
            let number = index + 1
            let tag = "step\(number)"
            let name = "docker.io/library/fidelity:\(tag)"
            let archive = directory + "/\(tag).oci.tar"
            try run(skopeo, ["--insecure-policy", "copy", "-q", "oci:\(layout):\(tag)", "oci-archive:\(archive):\(name)"])
            let referenceBundle = directory + "/reference-\(tag)"
            try run(umoci, ["unpack", "--image", "\(layout):\(tag)", referenceBundle])
            let reference = try TreeSnapshot.walk(referenceBundle + "/rootfs")
            try files.removeItem(atPath: referenceBundle)
            let (layers, diffIDs) = try manifestLayers(tag: tag, in: layout)
            guard layers.count == number else { throw TestFailure("\(tag) has \(layers.count) layers") }
            let topLayer = layout + "/blobs/sha256/" + layers[number - 1].dropSHA256
            steps.append(
                Step(
                    number: number, summary: summary, name: name, archive: archive,
                    chainID: try chainID(diffIDs), reference: reference,
                    layerMembers: try run(URL(fileURLWithPath: "/usr/bin/tar"), ["-tzf", topLayer]).stdout
                        .split(separator: "\n").map(String.init),
                    layerListing: try run(URL(fileURLWithPath: "/usr/bin/tar"), ["-tvzf", topLayer]).stdout))
        }
        return FidelityImages(directory: directory, steps: steps)
    }

    /// The layer digests of a tag's manifest and the diff IDs of its config.
    private static func manifestLayers(tag: String, in layout: String) throws -> ([String], [String]) {
        func json(_ path: String) throws -> [String: Any] {
            guard let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
                as? [String: Any]
            else { throw TestFailure("\(path) is not a JSON object") }
            return object
        }
        func blob(_ digest: String) -> String { layout + "/blobs/sha256/" + digest.dropSHA256 }
        let index = try json(layout + "/index.json")
        guard
            let entry = (index["manifests"] as? [[String: Any]])?.first(where: {
                ($0["annotations"] as? [String: String])?["org.opencontainers.image.ref.name"] == tag
            }),
            let manifestDigest = entry["digest"] as? String
        else { throw TestFailure("no manifest tagged \(tag) in \(layout)") }
        let manifest = try json(blob(manifestDigest))
        guard let layers = (manifest["layers"] as? [[String: Any]])?.compactMap({ $0["digest"] as? String }),
            let configDigest = (manifest["config"] as? [String: Any])?["digest"] as? String,
            let diffIDs = (try json(blob(configDigest))["rootfs"] as? [String: Any])?["diff_ids"] as? [String]
        else { throw TestFailure("unexpected manifest \(manifestDigest)") }
        return (layers, diffIDs)
    }

    /// containerd's identity.ChainID: the first diff ID, then sha256 of "<parent chain ID> <diff ID>" per layer.
    private static func chainID(_ diffIDs: [String]) throws -> String {
        let script = """
            import hashlib, sys
            chain = sys.argv[1]
            for diff_id in sys.argv[2:]:
                chain = 'sha256:' + hashlib.sha256((chain + ' ' + diff_id).encode()).hexdigest()
            print(chain)
            """
        return try run(TreeSnapshot.python, ["-c", script] + diffIDs).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @discardableResult
    private static func run(_ tool: URL, _ arguments: [String]) throws -> CommandResult {
        let result = try Command.run(tool, arguments, timeout: 60)
        guard result.status == 0 else {
            throw TestFailure("\(tool.lastPathComponent) \(arguments.joined(separator: " ")) failed:\n\(result)")
        }
        return result
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: Sharing within the suite

    @TaskLocal static var suiteImages: FidelityImages?

    /// The suite's images; built on first use (and kept until the process ends) outside the suite.
    static func current() throws -> FidelityImages {
        if let suiteImages { return suiteImages }
        return try processImages.get()
    }

    private static let processImages = Result { try FidelityImages.build() }
}

/// Builds `FidelityImages` once before the suite's tests and removes them after the last one.
struct FidelityImagesTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let images = try FidelityImages.build()
        defer { images.remove() }
        try await FidelityImages.$suiteImages.withValue(images) { try await function() }
    }
}

extension Trait where Self == FidelityImagesTrait {
    static var fidelityImages: Self { Self() }
}
