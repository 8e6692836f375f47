/// The colon-separated line format shared by /etc/passwd and /etc/group.
enum AccountsFile {
    /// The trimmed, non-blank lines split at ":".
    static func lines(_ bytes: [UInt8], skippingComments: Bool) -> [[String]] {
        String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: \.isNewline)
            .map { $0.trimmingWhitespace() }
            .filter { !$0.isEmpty && !(skippingComments && $0.hasPrefix("#")) }
            .map { $0.split(separator: ":", omittingEmptySubsequences: false).map(String.init) }
    }

    static func field(_ fields: [String], _ index: Int) -> String {
        index < fields.count ? fields[index] : ""
    }

    /// Go's Atoi with the error ignored: 0 for what is not a decimal integer.
    static func number(_ fields: [String], _ index: Int) -> Int {
        Int(field(fields, index)) ?? 0
    }
}

extension Substring {
    fileprivate func trimmingWhitespace() -> Substring {
        let start = firstIndex { !$0.isWhitespace } ?? endIndex
        let end = lastIndex { !$0.isWhitespace }.map { index(after: $0) } ?? start
        return self[start..<end]
    }
}
