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
}
