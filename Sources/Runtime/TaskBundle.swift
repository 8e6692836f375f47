import BerthCore
import CLinux
import Foundation

/// A task's bundle, laid out as containerd's runtime v2 lays it out: the state directory
/// `<state>/io.containerd.runtime.v2.task/<ns>/<id>` (config.json, rootfs/, the shim's files) and a work
/// directory under the root, linked from the bundle as `work`.
public struct TaskBundle: Sendable {
    public static let pluginDirectory = "io.containerd.runtime.v2.task"

    public let id: String
    public let namespace: String
    public let path: String
    public let workPath: String

    public var rootfs: String { path + "/rootfs" }
    public var specPath: String { path + "/config.json" }

    public init(root: String, state: String, namespace: String, id: String) {
        self.id = id
        self.namespace = namespace
        path = "\(state)/\(Self.pluginDirectory)/\(namespace)/\(id)"
        workPath = "\(root)/\(Self.pluginDirectory)/\(namespace)/\(id)"
    }

    /// Creates the directories and writes the spec; whatever was created is removed again on failure.
    public static func create(root: String, state: String, namespace: String, id: String, spec: Data) throws -> TaskBundle {
        do {
            try Identifiers.validate(id)
        } catch let error as BerthError {
            throw BerthError(error.kind, "invalid task id \(id): \(error.message)")
        }
        let bundle = TaskBundle(root: root, state: state, namespace: namespace, id: id)
        let files = FileManager.default
        try files.createDirectory(
            atPath: (bundle.path as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o711])
        do {
            try files.createDirectory(atPath: bundle.path, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BerthError.alreadyExists("bundle for task \(id) in namespace \(namespace)")
        }
        do {
            try files.createDirectory(atPath: bundle.rootfs, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o711])
            try files.createDirectory(
                atPath: (bundle.workPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o711])
            try? files.removeItem(atPath: bundle.workPath)
            try files.createDirectory(atPath: bundle.workPath, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o711])
            try files.createSymbolicLink(atPath: bundle.path + "/work", withDestinationPath: bundle.workPath)
            try spec.withUnsafeBytes { try StateFile.write($0, to: bundle.specPath) }
            try bundle.admitRemappedRoot(spec: spec)
        } catch {
            bundle.remove()
            throw BerthError(.unknown, "create bundle for task \(id): \(error.localizedDescription)")
        }
        return bundle
    }

    /// Removes both directories; a rootfs still mounted (a shim that died before cleaning up) is unmounted first.
    public func remove() {
        _ = rootfs.withCString { umount2($0, Int32(MNT_DETACH)) }
        try? FileManager.default.removeItem(atPath: workPath)
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Bundles left under the state directory (by a daemon that stopped while tasks ran), as (namespace, id).
    public static func existing(state: String) -> [(namespace: String, id: String)] {
        let base = "\(state)/\(pluginDirectory)"
        let files = FileManager.default
        let namespaces = (try? files.contentsOfDirectory(atPath: base)) ?? []
        return namespaces.sorted().flatMap { namespace in
            ((try? files.contentsOfDirectory(atPath: base + "/" + namespace)) ?? []).sorted().map { (namespace, $0) }
        }
    }

    /// As containerd's prepareBundleDirectoryPermissions: in a user namespace, the container's root is another
    /// group on the host, and runc (acting as that root) must reach the rootfs through the bundle directory.
    func admitRemappedRoot(spec: Data) throws {
        guard let gid = Self.remappedRootGID(spec: spec), gid != 0 else { return }
        guard chown(path, uid_t.max, gid) == 0, chmod(path, 0o710) == 0 else {
            throw BerthError(.unknown, "bundle \(path): \(String(cString: strerror(errno)))")
        }
    }

    /// The host gid that the spec maps the container's gid 0 to, if it uses a user namespace.
    static func remappedRootGID(spec: Data) -> gid_t? {
        // Parsing a whole spec costs 750k instructions, a tenth of a task start's: a spec without the key
        // spelled out (or a \u escape that could spell it) has no mappings.
        guard spec.containsBytes(#""gidMappings""#) || spec.containsBytes(#"\u"#) else { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: spec) as? [String: Any],
              let linux = object["linux"] as? [String: Any],
              let mappings = linux["gidMappings"] as? [[String: Any]]
        else { return nil }
        let root = mappings.first { ($0["containerID"] as? NSNumber)?.intValue == 0 }
        return (root?["hostID"] as? NSNumber).map { gid_t(truncatingIfNeeded: $0.intValue) }
    }
}
