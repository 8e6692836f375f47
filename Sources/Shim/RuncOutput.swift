/// Reading what runc (or crun) said: the last error in its JSON log, and `ps`'s pid list.
enum RuncOutput {
    /// The `msg` of the last line at level error in a `--log-format json` log.
    static func lastError(inLog bytes: [UInt8]) -> String? {
        let lines = bytes.split(separator: UInt8(ascii: "\n"))
        for line in lines.reversed() {
            let text = String(decoding: line, as: UTF8.self)
            guard let level = stringValue(of: "level", in: text), level == "error" || level == "fatal" else { continue }
            if let message = stringValue(of: "msg", in: text) { return message }
        }
        return nil
    }

    /// The string value of a top-level key in one JSON object, unescaped; enough for runc's log lines.
    static func stringValue(of key: String, in json: String) -> String? {
        let scalars = Array(json.unicodeScalars)
        let pattern = Array("\"\(key)\"".unicodeScalars)
        var index = 0
        while index + pattern.count <= scalars.count {
            if Array(scalars[index..<(index + pattern.count)]) == pattern {
                var cursor = index + pattern.count
                while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
                guard cursor < scalars.count, scalars[cursor] == ":" else { index += 1; continue }
                cursor += 1
                while cursor < scalars.count, scalars[cursor] == " " { cursor += 1 }
                guard cursor < scalars.count, scalars[cursor] == "\"" else { return nil }
                return unescape(scalars, from: cursor + 1)
            }
            index += 1
        }
        return nil
    }

    private static func unescape(_ scalars: [Unicode.Scalar], from start: Int) -> String? {
        var result = String.UnicodeScalarView()
        var index = start
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar == "\"" { return String(result) }
            if scalar == "\\", index + 1 < scalars.count {
                index += 1
                switch scalars[index] {
                case "n": result.append("\n")
                case "t": result.append("\t")
                case "r": result.append("\r")
                case "u" where index + 4 < scalars.count:
                    let hex = String(String.UnicodeScalarView(scalars[(index + 1)...(index + 4)]))
                    if let value = UInt32(hex, radix: 16), let decoded = Unicode.Scalar(value) { result.append(decoded) }
                    index += 4
                default: result.append(scalars[index])
                }
            } else {
                result.append(scalar)
            }
            index += 1
        }
        return nil
    }

    /// `runc ps --format json`: a JSON array of pids (`null` when there are none).
    static func pids(_ bytes: [UInt8]) -> [UInt32] {
        String(decoding: bytes, as: UTF8.self)
            .split(whereSeparator: { !$0.isNumber })
            .compactMap { UInt32($0) }
    }
}
