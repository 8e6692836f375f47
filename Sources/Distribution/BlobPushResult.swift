/// What pushing one blob took.
public enum BlobPushResult: Sendable, Hashable {
    /// The registry already had it in the target repository.
    case exists
    /// Linked from another repository of the same registry without sending bytes.
    case mounted(from: String)
    case uploaded
}
