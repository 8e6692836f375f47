import Metadata

/// What a daemon-side transfer announces as it changes the stores, in containerd's event terms. The
/// services layer publishes them (the transfer module does not know the wire format).
public protocol TransferEvents: Sendable {
    func imageCreated(namespace: String, _ image: ImageRecord) async
    func imageUpdated(namespace: String, _ image: ImageRecord) async
    func snapshotPrepared(namespace: String, key: String, parent: String) async
    func snapshotCommitted(namespace: String, key: String, name: String) async
    func snapshotRemoved(namespace: String, key: String) async
}
