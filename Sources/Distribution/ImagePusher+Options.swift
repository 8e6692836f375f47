import OCI

extension ImagePusher {
    public struct Options: Sendable {
        public var maxConcurrentUploads: Int
        /// Which manifests of an index to push; a manifest that is selected must be in the source.
        public var platforms: PlatformSelection

        public init(maxConcurrentUploads: Int = 3, platforms: PlatformSelection = .all) {
            self.maxConcurrentUploads = maxConcurrentUploads
            self.platforms = platforms
        }
    }
}
