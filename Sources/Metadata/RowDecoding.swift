import BerthCore
import Foundation
import GRDB

extension Row {
    /// The value of the column spelled exactly `name`. GRDB's `row[name]` matches names case-insensitively by
    /// lowercasing every column name it passes on each access: 13k instructions of a 500k Snapshots/Stat call.
    subscript<Value: DatabaseValueConvertible>(column name: String) -> Value {
        guard let position = position(ofColumn: name) else { return self[name] }
        return self[position]
    }

    private func position(ofColumn name: String) -> Int? {
        var position = 0
        for column in columnNames {
            if column == name { return position }
            position += 1
        }
        return nil
    }

    func digest(_ column: String) throws -> Digest {
        let text: String = self[column: column]
        do {
            return try Digest(parsing: text)
        } catch {
            throw BerthError(.unknown, "metadata database: corrupt digest \"\(text)\" in column \(column)")
        }
    }

    func labels(_ column: String = "labels") throws -> [String: String] {
        try LabelCoding.decode(self[column: column])
    }

    func date(_ column: String) -> Date {
        Date(timeIntervalSince1970: self[column: column])
    }
}
