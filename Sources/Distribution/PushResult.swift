import OCI

/// What a push did.
public struct PushResult: Sendable {
    public var reference: Reference
    public var root: OCIDescriptor
    /// Per pushed blob (configs and layers) and child manifest, by digest: present, mounted or uploaded.
    public var outcomes: [String: BlobPushResult]
}
