import ArgumentParser
import BerthClient
import BerthCore
import Foundation
import OCI
import RuntimeSpec
import SwiftProtobuf

/// ctr's flags for a new container (`run`, `containers create`).
struct ContainerOptions: ParsableArguments {
    @OptionGroup var snapshotter: SnapshotterOption
    @Option(help: "The runtime name or shim binary path (default: the daemon's default runtime, io.containerd.runc.v2 unless configured).")
    var runtime: String?
    @Flag(name: .shortAndLong, help: "Allocate a TTY for the container.") var tty = false
    @Option(name: .long, help: "Environment variable KEY=VALUE (repeatable).") var env: [String] = []
    @Option(name: .customLong("env-file"), help: "A file of KEY=VALUE lines.") var envFile: String?
    @Option(help: "Working directory of the process.") var cwd: String?
    @Option(name: .shortAndLong, help: "The user (name, uid, name:group, uid:gid).") var user: String?
    @Option(help: "A mount: type=bind,src=/host,dst=/ctr,options=rbind:ro (repeatable).") var mount: [String] = []
    @Flag(name: .customLong("net-host"), help: "Use the host's network namespace.") var netHost = false
    @Option(name: .customLong("memory-limit"), help: "Memory limit in bytes.") var memoryLimit: UInt64?
    @Option(help: "CPUs the container may use (e.g. 0.5).") var cpus: Double?
    @Flag(help: "Run privileged: all capabilities, host devices.") var privileged = false
    @Flag(name: .customLong("read-only"), help: "Mount the root filesystem read-only.") var readOnly = false
    @Option(help: "The container's hostname.") var hostname: String?
    @Option(name: .long, help: "A label KEY=VALUE for the container (repeatable).") var label: [String] = []
    @Option(name: .long, help: "An annotation KEY=VALUE for the spec (repeatable).") var annotation: [String] = []
    @Option(name: .customLong("cap-add"), help: "Add a capability (repeatable).") var capAdd: [String] = []
    @Option(name: .customLong("cap-drop"), help: "Drop a capability (repeatable).") var capDrop: [String] = []
    @Flag(help: "Enable containerd's default seccomp profile.") var seccomp = false
    @Option(name: .customLong("seccomp-profile"), help: "A custom seccomp profile (JSON); needs --seccomp.")
    var seccompProfile: String?
    @Option(help: ArgumentHelp(
        "Run inside a user namespace with this UID mapping (needs --gidmap).", valueName: "container-uid:host-uid:length"))
    var uidmap: String?
    @Option(help: ArgumentHelp(
        "Run inside a user namespace with this GID mapping (needs --uidmap).", valueName: "container-gid:host-gid:length"))
    var gidmap: String?

    func validate() throws {
        if seccompProfile != nil && !seccomp {
            throw ValidationError("seccomp must be set to true, if using a custom seccomp-profile")
        }
        // ctr ignores one without the other; saying so is clearer.
        if (uidmap == nil) != (gidmap == nil) { throw ValidationError("--uidmap and --gidmap go together") }
        _ = try userNamespace
    }

    /// The user namespace's mappings, from --uidmap and --gidmap.
    var userNamespace: (uid: Spec.LinuxIDMapping, gid: Spec.LinuxIDMapping)? {
        get throws {
            guard let uidmap, let gidmap else { return nil }
            return (try Self.idMapping(uidmap, flag: "uidmap"), try Self.idMapping(gidmap, flag: "gidmap"))
        }
    }

    static func idMapping(_ text: String, flag: String) throws -> Spec.LinuxIDMapping {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map { UInt32($0) }
        guard parts.count == 3, let container = parts[0], let host = parts[1], let size = parts[2], size > 0 else {
            throw ValidationError("--\(flag) \(text): expected container-id:host-id:length")
        }
        return Spec.LinuxIDMapping(containerID: container, hostID: host, size: size)
    }

    /// The spec options after the image's config, in ctr's order.
    func specOptions(namespace: String, id: String, rootfs: URL, args: [String]) -> [SpecOption] {
        // As ctr: args replace the image's entrypoint and cmd together.
        var options: [SpecOption] = args.isEmpty ? [] : [.processArgs(args)]
        options.append(.defaultUnixDevices)
        if let envFile { options.append(.envFile(envFile)) }
        if !env.isEmpty { options.append(.env(env)) }
        if !mount.isEmpty { options.append(.mounts(flags: mount)) }
        if tty { options.append(.tty) }
        if let cwd { options.append(.processCwd(cwd)) }
        if let user { options.append(.user(user, rootfs: rootfs)) }
        if netHost {
            options += [.hostNamespace(.network), .hostHostsFile, .hostResolvconf]
            options.append(.env(["HOSTNAME=\(ProcessInfo.processInfo.hostName)"]))
        }
        if let memoryLimit { options.append(.memoryLimit(memoryLimit)) }
        if let cpus { options.append(.cpus(cpus)) }
        if privileged { options += [.privileged, .allDevicesAllowed, .hostDevices] }
        if readOnly { options.append(.rootFSReadonly) }
        if let hostname { options.append(.hostname(hostname)) }
        if !annotation.isEmpty { options.append(.annotations(CommandOutput.labels(from: annotation))) }
        if !capAdd.isEmpty { options.append(.addedCapabilities(capAdd)) }
        if !capDrop.isEmpty { options.append(.droppedCapabilities(capDrop)) }
        // After the capabilities: the default profile allows what the bounding set permits.
        if seccomp { options.append(seccompProfile.map { .seccompProfile(path: $0) } ?? .seccompDefault) }
        if let mapping = try? userNamespace {
            options.append(.userNamespace(uidMappings: [mapping.uid], gidMappings: [mapping.gid]))
        }
        return options
    }
}

/// Creates a container from an image the way ctr's `run` and `containers create` do on the client side:
/// unpack if needed, a new snapshot on the image's chain, the spec from containerd's defaults, the image's
/// config and the flags, then the container record.
struct ContainerCreator {
    let client: BerthClient
    let options: ContainerOptions

    /// As ctr: everything the creation makes (unpacked layers, the container's snapshot) is held by a lease
    /// until the container record holds it, so a collection in between cannot take it. Returns the container
    /// and its snapshot's mounts (the task's rootfs).
    func create(
        image reference: String, id: String, args: [String]
    ) async throws -> (container: ContainerDescription, rootfs: [MountDescription]) {
        try await client.withTemporaryLease { leased in
            try await ContainerCreator(client: leased, options: options).createLeased(image: reference, id: id, args: args)
        }
    }

    private func createLeased(
        image reference: String, id: String, args: [String]
    ) async throws -> (container: ContainerDescription, rootfs: [MountDescription]) {
        try Identifiers.validate(id)
        let snapshotter = options.snapshotter.resolved
        let image = try await client.image(reference)
        let platform = HostPlatform.formatted
        let (chainID, configData) = try await client.unpackImage(image.target, platform: platform, snapshotter: snapshotter)
        let imageConfig: ImageConfig
        do {
            imageConfig = try JSONDecoder().decode(ImageConfig.self, from: configData)
        } catch {
            throw BerthError.invalidArgument("image \(reference): unreadable config: \(error)")
        }
        var parent = chainID
        if let mapping = try options.userNamespace {
            parent = try await RemappedSnapshot(client: client, snapshotter: snapshotter)
                .base(chainID: chainID, uid: mapping.uid.hostID, gid: mapping.gid.hostID)
        }
        let mounts = try await client.prepareSnapshot(id, parent: parent, snapshotter: snapshotter)
        do {
            let spec = try await buildSpec(id: id, imageConfig: imageConfig, mounts: mounts, args: args)
            var labels = imageConfig.config?.labels ?? [:]
            if let stopSignal = imageConfig.config?.stopSignal, !stopSignal.isEmpty {
                labels[ImageLabels.stopSignal] = stopSignal
            }
            labels.merge(CommandOutput.labels(from: options.label)) { $1 }
            let specJSON = try spec.jsonData()
            let container = try await client.createContainer(.with {
                $0.id = id
                $0.image = image.name
                $0.labels = labels
                $0.runtime = .with { $0.name = options.runtime ?? "" }
                $0.spec = .with {
                    $0.typeURL = Spec.typeURL
                    $0.value = specJSON
                }
                $0.snapshotter = snapshotter
                $0.snapshotKey = id
            })
            return (container, mounts)
        } catch {
            try? await client.removeSnapshot(id, snapshotter: snapshotter)
            throw error
        }
    }

    /// The image's /etc/passwd and /etc/group are read from the new snapshot, mounted for the moment it takes.
    private func buildSpec(id: String, imageConfig: ImageConfig, mounts: [MountDescription], args: [String]) async throws -> Spec {
        let path = try TemporaryDirectory.make(prefix: "berth-rootfs-")
        defer { rmdir(path) }
        for mount in mounts { try SystemMount.mount(mount, at: path) }
        defer { try? SystemMount.unmount(path) }
        let directory = URL(fileURLWithPath: path, isDirectory: true)
        var spec = DefaultSpec.linux(namespace: client.namespace, containerID: id)
        try spec.apply([.imageConfig(imageConfig, rootfs: directory)]
            + options.specOptions(namespace: client.namespace, id: id, rootfs: directory, args: args))
        return spec
    }
}
