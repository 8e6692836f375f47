import BerthAPI
import Foundation
import SwiftProtobuf

/// containerd's event messages by type URL, for decoding envelopes on either side of the wire.
/// containerd names an event's type by its full proto name, without a type.googleapis.com/ prefix.
public enum EventTypes {
    public static let all: [any SwiftProtobuf.Message.Type] = [
        Containerd_Events_NamespaceCreate.self, Containerd_Events_NamespaceUpdate.self,
        Containerd_Events_NamespaceDelete.self,
        Containerd_Services_Images_V1_ImageCreate.self, Containerd_Services_Images_V1_ImageUpdate.self,
        Containerd_Services_Images_V1_ImageDelete.self,
        Containerd_Events_ContentDelete.self,
        Containerd_Events_SnapshotPrepare.self, Containerd_Events_SnapshotCommit.self,
        Containerd_Events_SnapshotRemove.self,
        Containerd_Events_ContainerCreate.self, Containerd_Events_ContainerUpdate.self,
        Containerd_Events_ContainerDelete.self,
        Containerd_Events_TaskCreate.self, Containerd_Events_TaskStart.self, Containerd_Events_TaskDelete.self,
        Containerd_Events_TaskIO.self, Containerd_Events_TaskExit.self, Containerd_Events_TaskOOM.self,
        Containerd_Events_TaskExecAdded.self, Containerd_Events_TaskExecStarted.self,
        Containerd_Events_TaskPaused.self, Containerd_Events_TaskResumed.self,
        Containerd_Events_TaskCheckpointed.self,
    ]

    private static let byName: [String: any SwiftProtobuf.Message.Type] = Dictionary(
        all.map { ($0.protoMessageName, $0) }, uniquingKeysWith: { first, _ in first })

    /// The decoded event, or nil for a type this build does not know or bytes that do not decode.
    public static func decode(typeURL: String, bytes: Data) -> (any SwiftProtobuf.Message)? {
        let name = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
        guard let type = byName[name] else { return nil }
        return try? type.init(serializedBytes: bytes)
    }

    public static func decode(_ any: Google_Protobuf_Any) -> (any SwiftProtobuf.Message)? {
        decode(typeURL: any.typeURL, bytes: any.value)
    }
}
