/// A change to a spec: one of containerd's `oci.With*` options. Options are values, so callers build a list
/// (`[.processArgs(["sh"]), .tty, .hostNamespace(.network)]`) and apply it in order with `Spec.apply`.
/// Like containerd's, an option creates the section it writes to (process, root, linux) when it is missing.
public struct SpecOption: Sendable {
    private let body: @Sendable (inout Spec) throws -> Void

    public init(_ body: @escaping @Sendable (inout Spec) throws -> Void) {
        self.body = body
    }

    public func apply(to spec: inout Spec) throws {
        try body(&spec)
    }

    /// Several options as one, applied in order (oci.Compose).
    public static func compose(_ options: [SpecOption]) -> SpecOption {
        SpecOption { spec in try spec.apply(options) }
    }
}

extension Spec {
    /// Applies `options` in order; the first failure stops and is thrown.
    public mutating func apply(_ options: [SpecOption]) throws {
        for option in options { try option.apply(to: &self) }
    }

    public mutating func apply(_ options: SpecOption...) throws {
        try apply(options)
    }
}
