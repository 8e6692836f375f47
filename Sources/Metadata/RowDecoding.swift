import BerthCore
import Foundation
import GRDB

extension Row {
    func digest(_ column: String) throws -> Digest {
        let text: String = self[column]
        do {
            return try Digest(parsing: text)
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt digest \"\(text)\" in column \(column)")
        }
    }

    func labels(_ column: String = "labels") throws -> [String: String] {
        try LabelCoding.decode(self[column])
    }

    func date(_ column: String) -> Date {
        Date(timeIntervalSince1970: self[column])
    }
}
