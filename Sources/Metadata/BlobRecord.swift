import BerthCore
import Foundation

/// A blob as one namespace sees it: the digest and size of the shared file, with this namespace's labels.
public struct BlobRecord: Sendable, Equatable {
    public var digest: Digest
    public var size: Int64
    public var labels: [String: String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(digest: Digest, size: Int64, labels: [String: String] = [:], createdAt: Date = Date(), updatedAt: Date = Date()) {
        self.digest = digest
        self.size = size
        self.labels = labels
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension BlobRecord: FilterAdaptor {
    /// containerd's content adaptor: digest, size, labels.KEY.
    public func field(_ fieldpath: [String]) -> String? {
        switch fieldpath.first {
        case "digest": return digest.description
        case "size": return String(size)
        case "labels": return labels.lookup(fieldpath.dropFirst())
        default: return nil
        }
    }
}

extension Dictionary where Key == String, Value == String {
    /// A label by the rest of a field path, joined by dots as containerd's checkMap does.
    func lookup(_ rest: ArraySlice<String>) -> String? {
        guard !rest.isEmpty else { return nil }
        return self[rest.joined(separator: ".")]
    }
}
