/// Maps filter field paths onto an object, as containerd's `filters.Adaptor`.
public protocol FilterAdaptor {
    /// The value at `fieldpath` (e.g. `["labels", "foo"]`), or nil when the object has no such field.
    func field(_ fieldpath: [String]) -> String?
}

/// An adaptor over plain fields and labels, for objects such as namespaces, images and plugins.
public struct DictionaryFilterAdaptor: FilterAdaptor, Sendable {
    private let lookup: @Sendable ([String]) -> String?

    public init(_ lookup: @escaping @Sendable ([String]) -> String?) {
        self.lookup = lookup
    }

    /// `fields` are looked up by the dot-joined path (`name`, `target.digest`); an empty value counts
    /// as absent, as containerd's adaptors report `len(value) > 0`. `labels.KEY` looks up the label
    /// whose key is the rest of the path joined by dots, so `labels.a.b` and `labels."a.b"` agree.
    public init(fields: [String: String], labels: [String: String] = [:]) {
        lookup = { fieldpath in
            guard let first = fieldpath.first else { return nil }
            if first == "labels" {
                return labels[fieldpath.dropFirst().joined(separator: ".")]
            }
            guard let value = fields[fieldpath.joined(separator: ".")], !value.isEmpty else { return nil }
            return value
        }
    }

    public func field(_ fieldpath: [String]) -> String? {
        lookup(fieldpath)
    }
}
