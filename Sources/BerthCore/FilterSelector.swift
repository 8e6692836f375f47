/// One `<fieldpath>[<operator><value>]` term of a filter (containerd's `selector`).
struct FilterSelector: Sendable {
    enum Operation: Sendable {
        /// A bare field path: the field must be present.
        case present
        case equal(String)
        case notEqual(String)
        case matches(FilterPattern)
    }

    var fieldpath: [String]
    var operation: Operation

    /// As containerd: `!=` and `~=` compare an absent field as the empty string.
    func matches(_ adaptor: some FilterAdaptor) -> Bool {
        let value = adaptor.field(fieldpath)
        switch operation {
        case .present:
            return value != nil
        case .equal(let expected):
            guard let value else { return false }
            return Self.sameBytes(value, expected)
        case .notEqual(let unexpected):
            return !Self.sameBytes(value ?? "", unexpected)
        case .matches(let pattern):
            return pattern.matches(value ?? "")
        }
    }

    /// Go compares strings byte for byte; Swift's `==` would equate canonically equivalent forms.
    private static func sameBytes(_ a: String, _ b: String) -> Bool {
        a.utf8.elementsEqual(b.utf8)
    }
}
