import OCI

extension ImagePuller {
    public struct Options: Sendable {
        public var platforms: PlatformSelection
        /// Configs and layers downloaded at once (ctr's `--max-concurrent-downloads`, default 3).
        public var maxConcurrentDownloads: Int
        public var layerObserver: LayerObserver?
        /// Called with the platform manifests once they (and the index) are stored, before any config or
        /// layer is fetched: an unpacker learns here which layers to take from the observer.
        public var manifestsStored: (@Sendable ([OCIDescriptor]) async throws -> Void)?

        public init(
            platforms: PlatformSelection = .host, maxConcurrentDownloads: Int = 3, layerObserver: LayerObserver? = nil,
            manifestsStored: (@Sendable ([OCIDescriptor]) async throws -> Void)? = nil
        ) {
            self.platforms = platforms
            self.maxConcurrentDownloads = maxConcurrentDownloads
            self.layerObserver = layerObserver
            self.manifestsStored = manifestsStored
        }
    }
}
