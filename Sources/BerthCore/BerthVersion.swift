/// The version berthd reports through the Version service and `berth version`.
public enum BerthVersion {
    public static let version = "0.1.0"
    /// Set at release time; empty in development builds.
    public static let revision = ""
}
