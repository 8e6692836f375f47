import OCI

extension ImagePuller {
    public struct Options: Sendable {
        public var platforms: PlatformSelection
        /// Configs and layers downloaded at once (ctr's `--max-concurrent-downloads`, default 3).
        public var maxConcurrentDownloads: Int
        public var layerObserver: LayerObserver?

        public init(platforms: PlatformSelection = .host, maxConcurrentDownloads: Int = 3, layerObserver: LayerObserver? = nil) {
            self.platforms = platforms
            self.maxConcurrentDownloads = maxConcurrentDownloads
            self.layerObserver = layerObserver
        }
    }
}
