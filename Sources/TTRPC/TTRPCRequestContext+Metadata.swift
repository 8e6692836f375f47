extension TTRPCRequestContext {
    /// The first value for `key`. Keys compare case-insensitively, as ttrpc-go's MD.Get lower-cases them.
    public func metadataValue(_ key: String) -> String? {
        metadataValues(key).first
    }

    /// Every value for `key`, in the order sent.
    public func metadataValues(_ key: String) -> [String] {
        let wanted = key.lowercased()
        return metadata.compactMap { $0.0.lowercased() == wanted ? $0.1 : nil }
    }
}

extension TTRPCRequestContext {
    /// The metadata key containerd and its shims carry the namespace under over ttrpc
    /// (containerd's namespaces.TTRPCHeader; `containerd-namespace` is the gRPC header, not this one).
    public static let namespaceMetadataKey = "containerd-namespace-ttrpc"

    /// The containerd namespace the caller acts in, if it sent one.
    public var namespace: String? { metadataValue(Self.namespaceMetadataKey) }
}
