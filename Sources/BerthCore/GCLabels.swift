/// containerd's garbage-collection labels, which clients set and the collector follows.
public enum GCLabels {
    /// Marks an object as a root: kept while it exists.
    public static let root = "containerd.io/gc.root"
    /// Prefix of labels whose values are digests of content this object references.
    public static let contentRefPrefix = "containerd.io/gc.ref.content"
    /// Prefix of labels `...snapshot.<snapshotter>[.suffix]` whose values are snapshot keys.
    public static let snapshotRefPrefix = "containerd.io/gc.ref.snapshot."
    /// RFC 3339 time after which a lease no longer holds its resources.
    public static let expire = "containerd.io/gc.expire"
    /// A lease with this label holds only the resources it names, not what they reference.
    public static let flat = "containerd.io/gc.flat"
}
