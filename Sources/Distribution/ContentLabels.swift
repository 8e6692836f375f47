import OCI

/// The labels containerd's pull puts on content: garbage-collection references from a parent to
/// its children and the repositories a blob was fetched from.
public enum ContentLabels {
    public static let distributionSourcePrefix = "containerd.io/distribution.source."

    /// images.SetChildrenMappedLabels with ChildGCLabels: `containerd.io/gc.ref.content.m.<i>` for
    /// manifests, `.config` for the config, `.l.<i>` for layers, `.<i>` for anything else, each
    /// counter running over the children of its own kind.
    public static func childReferences(_ children: [OCIDescriptor]) -> [String: String] {
        var labels: [String: String] = [:]
        var counters: [String: Int] = [:]
        for child in children {
            var key = childKey(child.mediaType)
            let index = counters[key, default: 0]
            counters[key] = index + 1
            if index > 0 || key.hasSuffix(".") { key += String(index) }
            labels[key] = child.digest
        }
        return labels
    }

    static func childKey(_ mediaType: String) -> String {
        if isKnownConfig(mediaType) { return "containerd.io/gc.ref.content.config" }
        if MediaTypes.isManifest(mediaType) { return "containerd.io/gc.ref.content.m." }
        if isLayer(mediaType) { return "containerd.io/gc.ref.content.l." }
        return "containerd.io/gc.ref.content."
    }

    /// `containerd.io/distribution.source.<hostname>` (the registry's name without its port).
    public static func distributionSourceKey(registry domain: String) -> String {
        var host = Substring(domain)
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            host = host[host.index(after: host.startIndex)..<close]
        } else if let colon = host.lastIndex(of: ":") {
            host = host[..<colon]
        }
        return distributionSourcePrefix + host
    }

    /// Adds `repository` to a comma-separated, sorted, de-duplicated list.
    public static func appendingSource(_ existing: String?, _ repository: String) -> String {
        var repositories = Set((existing ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty })
        repositories.insert(repository)
        return repositories.sorted().joined(separator: ",")
    }

    /// containerd's remotes.MakeRefKey: the ingest ref for a descriptor.
    public static func refKey(_ descriptor: OCIDescriptor) -> String {
        var key = descriptor.digest
        if let name = descriptor.annotations?["org.opencontainers.image.ref.name"] { key = "\(name)@\(key)" }
        let mediaType = descriptor.mediaType
        if MediaTypes.isManifest(mediaType) { return "manifest-" + key }
        if MediaTypes.isIndex(mediaType) { return "index-" + key }
        if isLayer(mediaType) { return "layer-" + key }
        if isKnownConfig(mediaType) { return "config-" + key }
        return "unknown-" + key
    }

    static func isLayer(_ mediaType: String) -> Bool {
        if mediaType.hasPrefix("application/vnd.oci.image.layer.") { return true }
        let base = mediaType.split(separator: "+", maxSplits: 1).first.map(String.init) ?? mediaType
        return [
            "application/vnd.docker.image.rootfs.diff.tar", MediaTypes.dockerLayerGzip,
            "application/vnd.docker.image.rootfs.foreign.diff.tar", MediaTypes.dockerForeignLayerGzip,
        ].contains(base)
    }

    static func isKnownConfig(_ mediaType: String) -> Bool {
        [MediaTypes.ociConfig, MediaTypes.dockerConfig, "application/vnd.containerd.container.checkpoint.config.v1+proto",
         "application/vnd.containerd.container.criu.checkpoint.criu.tar"].contains(mediaType)
    }
}
