import BerthAPI
import Metadata
import Transfer

/// The image and snapshot events that both the gRPC services and daemon-side transfers announce.
extension EventPublisher: TransferEvents {
    public func imageCreated(namespace: String, _ image: ImageRecord) async {
        await publish(namespace: namespace, topic: "/images/create", Containerd_Services_Images_V1_ImageCreate.with {
            $0.name = image.name
            $0.labels = image.labels
        })
    }

    public func imageUpdated(namespace: String, _ image: ImageRecord) async {
        await publish(namespace: namespace, topic: "/images/update", Containerd_Services_Images_V1_ImageUpdate.with {
            $0.name = image.name
            $0.labels = image.labels
        })
    }

    public func snapshotPrepared(namespace: String, key: String, parent: String) async {
        await publish(namespace: namespace, topic: "/snapshot/prepare", Containerd_Events_SnapshotPrepare.with {
            $0.key = key
            $0.parent = parent
        })
    }

    public func snapshotCommitted(namespace: String, key: String, name: String) async {
        await publish(namespace: namespace, topic: "/snapshot/commit", Containerd_Events_SnapshotCommit.with {
            $0.key = key
            $0.name = name
        })
    }

    public func snapshotRemoved(namespace: String, key: String) async {
        await publish(namespace: namespace, topic: "/snapshot/remove", Containerd_Events_SnapshotRemove.with { $0.key = key })
    }
}
