/// Go's path/filepath Clean and Join on Unix: purely lexical, so results match containerd's byte for byte
/// (cgroup paths, mount destinations).
enum GoPath {
    static func clean(_ path: String) -> String {
        guard !path.isEmpty else { return "." }
        let rooted = path.hasPrefix("/")
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: true) {
            switch part {
            case ".":
                continue
            case "..":
                if let last = parts.last, last != ".." {
                    parts.removeLast()
                } else if !rooted {
                    parts.append(part)
                }
            default:
                parts.append(part)
            }
        }
        let joined = parts.joined(separator: "/")
        if rooted { return "/" + joined }
        return joined.isEmpty ? "." : joined
    }

    /// Joins the non-empty elements with "/" and cleans the result; "" when all are empty.
    static func join(_ elements: String...) -> String {
        let nonEmpty = elements.filter { !$0.isEmpty }
        return nonEmpty.isEmpty ? "" : clean(nonEmpty.joined(separator: "/"))
    }
}
