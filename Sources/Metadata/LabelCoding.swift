import BerthCore
import Foundation

/// Labels are stored as a JSON object in one column; filters run in Swift, so no SQL needs to look inside.
enum LabelCoding {
    static func encode(_ labels: [String: String]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: try encoder.encode(labels), as: UTF8.self)
    }

    static func decode(_ text: String) throws -> [String: String] {
        // Most records carry none; a JSONDecoder costs more than the lookup that read the row.
        if text == "{}" { return [:] }
        do {
            return try JSONDecoder().decode([String: String].self, from: Data(text.utf8))
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt labels column: \(error)")
        }
    }
}
