/// Update-mask handling for labels, as containerd's namespaces, images and containers stores do it.
public enum FieldPaths {
    /// Splits a mask path at its first dot only: containerd takes everything after `labels.` as the
    /// key (`strings.TrimPrefix`), so `labels.a.b` names the label `a.b`. No quoting is involved.
    public static func split(_ path: String) -> [String] {
        guard let dot = path.firstIndex(of: ".") else { return [path] }
        return [String(path[..<dot]), String(path[path.index(after: dot)...])]
    }

    /// The labels after an update:
    /// - no paths: the update's labels replace all labels;
    /// - `labels`: the same, at that point of the path list;
    /// - `labels.KEY`: KEY takes the update's value, or is removed when the update has none.
    /// Other paths are left to the caller. Empty values are dropped, since containerd never stores
    /// them (its SetLabel and WriteLabels treat "" as delete).
    public static func apply(labels current: [String: String], update: [String: String], paths: [String]) -> [String: String] {
        guard !paths.isEmpty else { return update.filter { !$0.value.isEmpty } }
        var labels = current
        for path in paths {
            let components = split(path)
            guard components.first == "labels" else { continue }
            if components.count == 1 {
                labels = update
            } else {
                labels[components[1]] = update[components[1]]
            }
        }
        return labels.filter { !$0.value.isEmpty }
    }
}
