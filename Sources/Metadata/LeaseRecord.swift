import BerthCore
import Foundation

/// A lease: while it exists (and has not expired), the resources it names are kept from collection.
public struct LeaseRecord: Sendable, Equatable {
    public var id: String
    public var labels: [String: String]
    public var createdAt: Date

    public init(id: String, labels: [String: String] = [:], createdAt: Date = Date()) {
        self.id = id
        self.labels = labels
        self.createdAt = createdAt
    }

    /// The expiry from `containerd.io/gc.expire`, if set and readable.
    public var expiresAt: Date? {
        labels[GCLabels.expire].flatMap(RFC3339.parse).map {
            Date(timeIntervalSince1970: Double($0.seconds) + Double($0.nanoseconds) / 1e9)
        }
    }
}

extension LeaseRecord: FilterAdaptor {
    public func field(_ fieldpath: [String]) -> String? {
        switch fieldpath.first {
        case "id": return id
        case "labels": return labels.lookup(fieldpath.dropFirst())
        default: return nil
        }
    }
}

/// Something a lease holds: `content` (a digest), `ingests` (a ref) or `snapshots/<snapshotter>` (a key).
public struct LeaseResource: Sendable, Hashable {
    public var type: String
    public var id: String

    public init(type: String, id: String) {
        self.type = type
        self.id = id
    }

    /// Checks the type and normalises the id as containerd's parseLeaseResource does.
    func validated() throws -> LeaseResource {
        let keys = type.split(separator: "/", omittingEmptySubsequences: false)
        switch keys.first {
        case "content", "ingests":
            guard keys.count == 1 else { throw BerthError.invalidArgument("invalid resource type \(type)") }
            if keys.first == "content" {
                do {
                    return LeaseResource(type: type, id: try Digest(parsing: id).description)
                } catch let error as BerthError {
                    throw BerthError.invalidArgument("invalid content resource id \(id): \(error.message)")
                }
            }
            return self
        case "snapshots":
            guard keys.count == 2, !keys[1].isEmpty else {
                throw BerthError.invalidArgument("invalid snapshot resource type \(type)")
            }
            return self
        default:
            throw BerthError.notImplemented("resource type \(type) not supported yet")
        }
    }
}
