import BerthCore
import Foundation

/// A protobuf `Any` as the metadata store keeps it: the type URL and the encoded bytes, never interpreted here.
public struct TypedValue: Sendable, Equatable, Codable {
    public var typeURL: String
    public var value: Data

    public init(typeURL: String, value: Data) {
        self.typeURL = typeURL
        self.value = value
    }
}

/// A container: the configuration a task is created from (containerd's containers.Container).
public struct ContainerRecord: Sendable, Equatable {
    public struct Runtime: Sendable, Equatable {
        public var name: String
        public var options: TypedValue?

        public init(name: String, options: TypedValue? = nil) {
            self.name = name
            self.options = options
        }
    }

    public var id: String
    public var labels: [String: String]
    public var image: String
    public var runtime: Runtime
    public var spec: TypedValue?
    public var snapshotter: String
    public var snapshotKey: String
    public var extensions: [String: TypedValue]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, labels: [String: String] = [:], image: String = "", runtime: Runtime, spec: TypedValue?,
        snapshotter: String = "", snapshotKey: String = "", extensions: [String: TypedValue] = [:],
        createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.labels = labels
        self.image = image
        self.runtime = runtime
        self.spec = spec
        self.snapshotter = snapshotter
        self.snapshotKey = snapshotKey
        self.extensions = extensions
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension ContainerRecord: FilterAdaptor {
    /// containerd's container adaptor: id, runtime.name, image, labels.KEY.
    public func field(_ fieldpath: [String]) -> String? {
        switch fieldpath.first {
        case "id": return id.isEmpty ? nil : id
        case "runtime":
            guard fieldpath.dropFirst().first == "name", !runtime.name.isEmpty else { return nil }
            return runtime.name
        case "image": return image.isEmpty ? nil : image
        case "labels": return labels.lookup(fieldpath.dropFirst())
        default: return nil
        }
    }
}
