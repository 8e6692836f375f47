import BerthCore
import Foundation

/// A named image: a reference to its target (an index or manifest) plus labels.
public struct ImageRecord: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]
    public var target: Descriptor
    public var createdAt: Date
    public var updatedAt: Date

    public init(name: String, labels: [String: String] = [:], target: Descriptor, createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.name = name
        self.labels = labels
        self.target = target
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension ImageRecord: FilterAdaptor {
    /// containerd's image adaptor: name, target.digest, target.mediatype, labels.KEY, annotations.KEY.
    public func field(_ fieldpath: [String]) -> String? {
        switch fieldpath.first {
        case "name": return name.isEmpty ? nil : name
        case "target":
            switch fieldpath.dropFirst().first {
            case "digest": return target.digest.description
            case "mediatype": return target.mediaType.isEmpty ? nil : target.mediaType
            default: return nil
            }
        case "labels": return labels.lookup(fieldpath.dropFirst())
        case "annotations": return target.annotations.lookup(fieldpath.dropFirst())
        default: return nil
        }
    }
}
