/// containerd's identifiers package: names of namespaces, containers, snapshots and the like.
/// Identifiers are runs of ASCII letters and digits joined by single `.`, `_` or `-`, at most 76 bytes,
/// so they are safe as filesystem path components.
public enum Identifiers {
    public static let maxLength = 76
    /// The regexp containerd checks against; error messages quote it.
    public static let pattern = "^[A-Za-z0-9]+(?:[._-](?:[A-Za-z0-9]+))*$"

    public static func validate(_ id: String) throws {
        if id.isEmpty {
            throw BerthError.invalidArgument("identifier must not be empty")
        }
        if id.utf8.count > maxLength {
            throw BerthError.invalidArgument(
                "identifier \(GoQuoting.quote(id)) greater than maximum length (\(maxLength) characters)")
        }
        guard matchesPattern(id) else {
            throw BerthError.invalidArgument("identifier \(GoQuoting.quote(id)) must match \(pattern)")
        }
    }

    /// `pattern` without a regexp engine: alphanumeric runs, single separators, no separator at either end.
    private static func matchesPattern(_ id: String) -> Bool {
        var previousWasAlphanumeric = false
        for byte in id.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"):
                previousWasAlphanumeric = true
            case UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "-"):
                guard previousWasAlphanumeric else { return false }
                previousWasAlphanumeric = false
            default:
                return false
            }
        }
        return previousWasAlphanumeric
    }
}
