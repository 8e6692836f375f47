import Glibc

/// A fresh private directory under /tmp (mkdtemp): one system call, where Foundation's createDirectory
/// reads back and sets attributes through dynamic casts (each one a protocol-conformance scan at first use).
public enum TemporaryDirectory {
    public static func make(prefix: String) throws -> String {
        var template = Array("/tmp/\(prefix)XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BerthError(.unknown, "cannot make a temporary directory: \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
