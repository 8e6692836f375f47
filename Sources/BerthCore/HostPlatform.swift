/// The machine's platform in OCI's words (containerd's platforms.DefaultSpec on Linux).
public enum HostPlatform {
    public static let os = "linux"

    public static var architecture: String {
        #if arch(x86_64)
        "amd64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    /// "linux/amd64"
    public static var formatted: String { "\(os)/\(architecture)" }
}
