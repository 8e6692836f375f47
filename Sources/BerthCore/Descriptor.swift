/// An OCI content descriptor: what a blob is, where it is, how big.
public struct Descriptor: Sendable, Equatable, Hashable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]

    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String] = [:]) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
    }
}
