import NIOCore

/// One open ingest. The puller uses a writer from one task at a time and always ends it with
/// exactly one of `commit`, `abort` or `close`.
public protocol ContentSinkWriter {
    /// Bytes already stored for this ingest when it was opened: the puller fetches from here.
    var offset: Int64 { get async throws }

    /// Appends bytes at the current end.
    func write(_ buffer: ByteBuffer) async throws

    /// Makes the blob content. Must check the size and digest against the expected descriptor and
    /// throw BerthError `.failedPrecondition` on a mismatch (the puller cannot check a resumed
    /// transfer itself). `.alreadyExists` is taken as success.
    func commit(labels: [String: String]) async throws

    /// Discards the ingest and its bytes (after bad data).
    func abort() async throws

    /// Releases the ingest but keeps its bytes, so a later pull resumes (after a network failure).
    func close() async throws
}
