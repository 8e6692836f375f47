import OCI

/// What a pull stored. Create the image record (name → root) only after `pull` returned this.
public struct PullResult: Sendable {
    /// The normalized reference, the image's name.
    public var name: String
    public var root: OCIDescriptor
    /// The platform manifests that were pulled (with their index platform when they had one).
    public var manifests: [OCIDescriptor]
    /// Configs and layers of those manifests, each digest once.
    public var blobs: [OCIDescriptor]
    /// Body bytes fetched from the registry for blobs (not counting what a resumed ingest already had).
    public var bytesFetched: Int64
    /// Layers whose whole verified stream the layer observer consumed; apply the others from the sink.
    public var observedLayers: Set<String>
}
