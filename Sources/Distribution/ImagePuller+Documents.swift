import BerthCore
import NIOCore
import OCI

extension ImagePuller {
    /// Stores an index or manifest already fetched (and verified) into memory, with the gc.ref
    /// labels for its children and the distribution source; when present, updates its labels.
    func storeDocument(_ descriptor: OCIDescriptor, _ bytes: [UInt8], children: [OCIDescriptor], session: PullSession) async throws {
        let references = ContentLabels.childReferences(children)
        if try await updateExisting(descriptor, extra: references, session: session) { return }
        for attempt in 1...2 {
            guard let writer = try await openIngest(descriptor) else {
                _ = try await updateExisting(descriptor, extra: references, session: session)
                return
            }
            do {
                let offset = try await writer.offset
                // An ingest longer than the document is garbage; start it over.
                if offset > Int64(bytes.count) {
                    try await writer.abort()
                    continue
                }
                if offset < Int64(bytes.count) {
                    try await writer.write(ByteBuffer(bytes: bytes[Int(offset)...]))
                }
                var labels = references
                labels[session.sourceKey] = session.reference.path
                try await commit(writer, labels: labels)
                session.report(descriptor, .done)
                return
            } catch let error as BerthError where error.kind == .failedPrecondition && attempt == 1 {
                // A resumed prefix that does not match: drop it and write the whole document.
                try? await writer.abort()
            } catch {
                try? await writer.abort()
                throw error
            }
        }
        throw BerthError.failedPrecondition("cannot store \(descriptor.digest): the content store keeps rejecting it")
    }

    /// If the sink has the blob, merges the labels a pull sets and reports it present.
    func updateExisting(_ descriptor: OCIDescriptor, extra: [String: String] = [:], session: PullSession) async throws -> Bool {
        guard let info = try await sink.info(descriptor.digest) else { return false }
        var labels = extra.filter { info.labels[$0.key] != $0.value }
        let source = ContentLabels.appendingSource(info.labels[session.sourceKey], session.reference.path)
        if source != info.labels[session.sourceKey] { labels[session.sourceKey] = source }
        if !labels.isEmpty { try await sink.update(descriptor.digest, labels: labels) }
        session.report(descriptor, .exists)
        return true
    }

    /// Opens the ingest for `descriptor`, waiting while another writer holds its ref (a concurrent
    /// pull of the same blob, as containerd does); nil once the blob is committed.
    func openIngest(_ descriptor: OCIDescriptor) async throws -> (any ContentSinkWriter)? {
        var delay = Duration.milliseconds(20)
        while true {
            do {
                return try await sink.openWriter(ref: ContentLabels.refKey(descriptor), expected: descriptor)
            } catch let error as BerthError where error.kind == .alreadyExists {
                return nil
            } catch let error as BerthError where error.kind == .unavailable {
                if try await sink.info(descriptor.digest) != nil { return nil }
                do {
                    try await Task.sleep(for: delay)
                } catch {
                    throw BerthError(.canceled, "canceled while waiting for \(descriptor.digest)")
                }
                delay = min(delay * 2, .seconds(1))
            }
        }
    }

    /// Commits, taking "already exists" (another pull won the race) as success.
    func commit(_ writer: any ContentSinkWriter, labels: [String: String]) async throws {
        do {
            try await writer.commit(labels: labels)
        } catch let error as BerthError where error.kind == .alreadyExists {
            return
        }
    }
}
