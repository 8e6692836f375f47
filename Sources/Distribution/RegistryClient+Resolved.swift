import OCI

extension RegistryClient {
    /// What `resolve` found: the name to record the image under and the root descriptor.
    public struct Resolved: Sendable, Hashable {
        public var name: String
        public var descriptor: OCIDescriptor
    }
}
