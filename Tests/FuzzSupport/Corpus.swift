import Foundation

/// One input of the committed regression corpus (`Tests/Corpus/<target>/<name>`, written by
/// `Tests/Corpus/make.py` or added by hand when an input broke something).
public struct CorpusEntry: Sendable, CustomStringConvertible {
    /// What the replay demands, from the name's first word.
    public enum Expectation: String, Sendable {
        case accept, reject, either
    }

    public let name: String
    public let bytes: [UInt8]
    public let expectation: Expectation

    public var description: String { name }

    /// True when the outcome is what the name asks for.
    public func allows(rejected: Bool) -> Bool {
        switch expectation {
        case .accept: !rejected
        case .reject: rejected
        case .either: true
        }
    }
}

public enum Corpus {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    /// Every entry of one target, in name order. A folder that is missing or empty, or a name without
    /// `accept-`, `reject-` or `either-`, is an error: a corpus that silently replays nothing proves nothing.
    public static func entries(_ target: String) throws -> [CorpusEntry] {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Corpus").appendingPathComponent(target)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        guard !names.isEmpty else { throw Missing(description: "no regression corpus at \(folder.path)") }
        return try names.sorted().map { name in
            guard let word = name.split(separator: "-").first, let expectation = CorpusEntry.Expectation(rawValue: String(word))
            else { throw Missing(description: "corpus entry \(target)/\(name) does not start with accept-, reject- or either-") }
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            return CorpusEntry(name: name, bytes: Array(data), expectation: expectation)
        }
    }
}
