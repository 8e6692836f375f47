/// Process environments as containerd merges them.
public enum Environment {
    /// containerd's replaceOrAppendEnvValues: each `KEY=value` override replaces the default with the same key
    /// in place or is appended; a bare `KEY` override removes it. Order is otherwise kept.
    public static func replaceOrAppend(_ defaults: [String], _ overrides: [String]) -> [String] {
        var results = defaults
        var index: [Substring: Int] = [:]
        for (position, entry) in defaults.enumerated() {
            index[key(entry)] = position  // the last duplicate wins, as in Go's map
        }
        for value in overrides {
            guard value.contains("=") else {
                if let position = index[Substring(value)] { results[position] = "" }  // "" marks for removal
                continue
            }
            if let position = index[key(value)] {
                results[position] = value
            } else {
                results.append(value)
            }
        }
        // Like Go, this also drops entries that were "" to begin with.
        return results.filter { !$0.isEmpty }
    }

    private static func key(_ entry: String) -> Substring {
        entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }
}
