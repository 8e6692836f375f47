import BerthCore
import Foundation

/// The daemon's stable identity (Introspection.Server), created once and kept under the root.
enum ServerUUID {
    static func loadOrCreate(root: String) throws -> String {
        let path = root + "/uuid"
        if let text = try? String(contentsOfFile: path, encoding: .utf8) {
            let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
            if UUID(uuidString: trimmed) != nil { return trimmed.lowercased() }
        }
        let uuid = UUID().uuidString.lowercased()
        // Written to a temp file and renamed, so a crash never leaves a half-written identity.
        do {
            try Data(uuid.utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        } catch {
            throw BerthError.unavailable("cannot write \(path): \(error.localizedDescription)")
        }
        return uuid
    }
}
