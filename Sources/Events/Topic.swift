import BerthCore

/// Event topics: "/a/b" with each component a valid identifier, as containerd checks them.
public enum Topic {
    public static func validate(_ topic: String) throws {
        guard !topic.isEmpty else {
            throw BerthError.invalidArgument("envelope topic \"\(topic)\": must not be empty")
        }
        guard topic.hasPrefix("/") else {
            throw BerthError.invalidArgument("envelope topic \"\(topic)\": must start with '/'")
        }
        guard topic.count > 1 else {
            throw BerthError.invalidArgument("envelope topic \"\(topic)\": must have at least one component")
        }
        for component in topic.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            do {
                try Identifiers.validate(String(component))
            } catch let error as BerthError {
                throw BerthError(error.kind, "envelope topic \"\(topic)\": failed validation on component \"\(component)\": \(error.message)")
            }
        }
    }
}
