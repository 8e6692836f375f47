extension Spec.Mount {
    /// A mount as ctr's `--mount` gives it: one CSV record of key=value fields,
    /// `type=bind,src=/host,dst=/container,options=rbind:ro` (keys type, source/src, destination/dst, options;
    /// options separated by ":"). Same validation and messages as ctr's parseMountFlag.
    public init(mountFlag: String) throws {
        self.init(destination: "")
        for field in try Self.csvRecord(mountFlag) {
            let pair = field.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2 else { throw SpecError.invalidMount("invalid mount specification: expected key=val") }
            let value = String(pair[1])
            switch pair[0] {
            case "type": type = value
            case "source", "src": source = value
            case "destination", "dst": destination = value
            case "options": options = value.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            default: throw SpecError.invalidMount("mount option \"\(pair[0])\" not supported")
            }
        }
    }

    /// The first record of `text` as Go's encoding/csv reads it by default: fields split at commas, a field
    /// may be quoted ("" is a quote inside quotes), a quote elsewhere is an error; blank lines are skipped.
    private static func csvRecord(_ text: String) throws -> [String] {
        guard let line = text.split(whereSeparator: \.isNewline).first else { throw SpecError.invalidMount("EOF") }
        var fields: [String] = []
        var field = ""
        var characters = Array(line)[...]
        while true {
            if characters.first == "\"" {
                characters.removeFirst()
                while true {
                    guard let character = characters.popFirst() else {
                        throw SpecError.invalidMount("parse error: extraneous or missing \" in quoted-field")
                    }
                    if character != "\"" {
                        field.append(character)
                    } else if characters.first == "\"" {
                        field.append(characters.removeFirst())
                    } else {
                        break
                    }
                }
                guard characters.isEmpty || characters.first == "," else {
                    throw SpecError.invalidMount("parse error: extraneous or missing \" in quoted-field")
                }
            } else {
                while let character = characters.first, character != "," {
                    guard character != "\"" else { throw SpecError.invalidMount("parse error: bare \" in non-quoted-field") }
                    field.append(characters.removeFirst())
                }
            }
            fields.append(field)
            field = ""
            guard characters.popFirst() == "," else { return fields }
        }
    }
}
