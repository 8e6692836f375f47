/// A parsed containerd filter: selectors joined by `,` must all match; `parseAll` ORs whole filters.
///
/// Syntax (containerd's filters package): `<fieldpath>[<op><value>]` with `op` one of `==`, `!=`, `~=`,
/// e.g. `name==foo`, `labels."com.example.key"!=bar`, `topic~=|^/tasks/|`, `labels.foo`.
public struct Filter: Sendable {
    /// Any alternative matches when all of its selectors match; an empty alternative always matches.
    private let alternatives: [[FilterSelector]]

    /// Matches everything, like containerd's `filters.Always`.
    public static let always = Filter(alternatives: [[]])

    /// Parses one expression; the empty string matches everything.
    /// Throws `invalidArgument` with containerd's message, e.g.
    /// `filters: parse error: [name==foo,]: expected field or quoted`.
    public static func parse(_ expression: String) throws -> Filter {
        if expression.isEmpty { return .always }
        return Filter(alternatives: [try FilterParser.parse(expression)])
    }

    /// Parses each expression and matches when any of them does; no expressions match everything.
    public static func parseAll(_ expressions: [String]) throws -> Filter {
        if expressions.isEmpty { return .always }
        var alternatives: [[FilterSelector]] = []
        for expression in expressions {
            alternatives += try parse(expression).alternatives
        }
        return Filter(alternatives: alternatives)
    }

    public func matches(_ adaptor: some FilterAdaptor) -> Bool {
        alternatives.contains { selectors in
            selectors.allSatisfy { $0.matches(adaptor) }
        }
    }
}
