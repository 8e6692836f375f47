/// containerd's labels package: the size limit every store applies to labels.
public enum Labels {
    /// The most bytes a label's key and value may take together.
    public static let maxSize = 4096
    /// containerd 1.6 shows only this many bytes of the key in the error.
    static let keyBytesShown = 10

    public static func validate(key: String, value: String) throws {
        guard key.utf8.count + value.utf8.count > maxSize else { return }
        let shownKey = String(decoding: key.utf8.prefix(keyBytesShown), as: UTF8.self)
        throw BerthError.invalidArgument(
            "label key and value greater than maximum size (\(maxSize) bytes), key: \(shownKey)")
    }

    /// Validates every label, in key order so the reported label does not depend on hashing.
    public static func validate(_ labels: [String: String]) throws {
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            try validate(key: key, value: value)
        }
    }

    /// Validates labels, naming the field they belong to as containerd's stores do ("image.Labels: ...").
    public static func validate(_ labels: [String: String], field: String) throws {
        do {
            try validate(labels)
        } catch let error as BerthError {
            throw BerthError(error.kind, "\(field): \(error.message)")
        }
    }
}
