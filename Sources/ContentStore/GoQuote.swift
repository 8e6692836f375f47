/// Go's `%q` for the messages that quote a ref (containerd's "ingest ref %q"). BerthCore has a
/// complete version, but it is internal to that module.
func goQuote(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F:
            let digits = String(scalar.value, radix: 16)
            out += "\\x" + (digits.count == 1 ? "0" : "") + digits
        default:
            out.unicodeScalars.append(scalar)
        }
    }
    return out + "\""
}
