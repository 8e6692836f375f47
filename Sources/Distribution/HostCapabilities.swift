/// What a registry host may be used for (containerd's HostCapabilities): mirrors are often pull-only.
public struct HostCapabilities: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Fetching manifests and blobs by digest.
    public static let pull = HostCapabilities(rawValue: 1 << 0)
    /// Turning a tag into a digest.
    public static let resolve = HostCapabilities(rawValue: 1 << 1)
    public static let push = HostCapabilities(rawValue: 1 << 2)
    public static let all: HostCapabilities = [.pull, .resolve, .push]
}
