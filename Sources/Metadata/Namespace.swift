import Foundation

/// A namespace record: the unit of isolation for every other record.
public struct Namespace: Sendable, Equatable {
    public var name: String
    public var labels: [String: String]

    public init(name: String, labels: [String: String] = [:]) {
        self.name = name
        self.labels = labels
    }
}
