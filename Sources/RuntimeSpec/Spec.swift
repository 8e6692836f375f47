/// An OCI runtime-spec container configuration (`config.json`), as specs-go v1.0.2-dev defines it and containerd
/// 1.6 stores it: JSON in a protobuf Any with `typeURL`.
///
/// Field types follow Go's: a Go pointer is an optional (nil: key absent); a Go value field tagged `omitempty` is
/// a plain value left out of the JSON when empty (false, 0, "", [], [:]), and an absent or null key decodes as
/// that empty value, as encoding/json does. Nested types are under `Spec` to keep names such as `Mount` free.
public struct Spec: Sendable, Equatable {
    /// The type URL containerd files the spec under in `Container.spec`.
    public static let typeURL = "types.containerd.io/opencontainers/runtime-spec/1/Spec"
    /// The runtime-spec version these types follow, and that new specs declare (specs-go's `Version`).
    public static let version = "1.0.2-dev"

    public var ociVersion: String
    public var process: Process?
    public var root: Root?
    public var hostname: String
    public var domainname: String
    public var mounts: [Mount]
    public var hooks: Hooks?
    public var annotations: [String: String]
    public var linux: Linux?
    /// Top-level keys not modelled here (solaris, windows, vm, zos, newer additions), written back unchanged.
    public var unknownFields: [String: JSONValue]

    public init(
        ociVersion: String = Spec.version, process: Process? = nil, root: Root? = nil, hostname: String = "",
        domainname: String = "", mounts: [Mount] = [], hooks: Hooks? = nil, annotations: [String: String] = [:],
        linux: Linux? = nil, unknownFields: [String: JSONValue] = [:]
    ) {
        self.ociVersion = ociVersion
        self.process = process
        self.root = root
        self.hostname = hostname
        self.domainname = domainname
        self.mounts = mounts
        self.hooks = hooks
        self.annotations = annotations
        self.linux = linux
        self.unknownFields = unknownFields
    }
}
