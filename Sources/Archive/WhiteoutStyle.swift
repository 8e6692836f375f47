/// How a layer's OCI whiteouts (`.wh.NAME`, `.wh..wh..opq`) land on disk.
public enum WhiteoutStyle: Sendable {
    /// Into an overlay upper directory: a 0/0 character device hides a path, `trusted.overlay.opaque=y`
    /// hides a directory's lower contents. No mount is needed to apply the layer.
    case overlay
    /// Into a full copy of the tree (native snapshotter, or a mounted root): the paths are deleted.
    case remove
}

/// What applying a layer produced: the digest and size of the uncompressed tar (the diff ID).
public struct AppliedLayer: Sendable, Equatable {
    public var diffID: String
    public var size: Int64
    /// Directories the layer writes into without naming them, which apply created (relative to the root,
    /// parents first). In an overlay upper dir they should look like their nearest lower copy: apply does that
    /// when given the lowers, `LayerApplier.inheritLowerAttributes` does it afterwards.
    public var implicitDirectories: [String]
}
