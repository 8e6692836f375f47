/// What a content store knows of a committed blob.
public struct ContentInfo: Sendable, Hashable {
    public var size: Int64
    public var labels: [String: String]

    public init(size: Int64, labels: [String: String] = [:]) {
        self.size = size
        self.labels = labels
    }
}
