import BerthCore
import NIOCore
import OCI

extension ImagePuller {
    /// Downloads configs and layers, at most `maxConcurrentDownloads` at once.
    func fetchBlobs(_ blobs: [OCIDescriptor], session: PullSession) async throws {
        for blob in blobs { session.report(blob, .waiting) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            var pending = blobs.makeIterator()
            for _ in 0..<max(1, options.maxConcurrentDownloads) {
                guard let next = pending.next() else { break }
                group.addTask { try await self.fetchBlob(next, session: session) }
            }
            while try await group.next() != nil {
                if let next = pending.next() {
                    group.addTask { try await self.fetchBlob(next, session: session) }
                }
            }
        }
    }

    /// One blob into the sink: skipped if present, resumed from the ingest's offset, restarted
    /// from zero once if a resumed ingest fails verification at commit.
    func fetchBlob(_ descriptor: OCIDescriptor, session: PullSession) async throws {
        try checkCancellation()
        if try await updateExisting(descriptor, session: session) { return }
        let labels = [session.sourceKey: session.reference.path]
        for attempt in 1...2 {
            guard let writer = try await openIngest(descriptor) else {
                _ = try await updateExisting(descriptor, session: session)
                return
            }
            var offset: Int64 = 0
            do {
                offset = try await writer.offset
                if offset > descriptor.size {
                    try await writer.abort()
                    continue
                }
                session.report(descriptor, .downloading(offset: offset, total: descriptor.size))
                try await transfer(descriptor, into: writer, from: offset, session: session)
            } catch let error as BerthError where error.kind == .failedPrecondition {
                // Bad bytes (wrong digest, too long): nothing of this ingest is worth keeping.
                try? await writer.abort()
                throw error
            } catch {
                // Keep what arrived so the next pull resumes from it.
                try? await writer.close()
                throw error
            }
            do {
                try await commit(writer, labels: labels)
                session.report(descriptor, .done)
                return
            } catch let error as BerthError where error.kind == .failedPrecondition && offset > 0 && attempt == 1 {
                // The resumed prefix was not this blob's: start over from zero.
                try? await writer.abort()
            } catch {
                try? await writer.abort()
                throw error
            }
        }
        throw BerthError.failedPrecondition("cannot store \(descriptor.digest): the content store keeps rejecting it")
    }

    /// Streams the blob from `offset` into the writer, and to the layer observer when one is set
    /// and the stream starts at zero.
    private func transfer(
        _ descriptor: OCIDescriptor, into writer: any ContentSinkWriter, from offset: Int64, session: PullSession
    ) async throws {
        let stream = try await client.fetch(descriptor, from: session.reference, offset: offset)
        guard let observer = options.layerObserver, offset == 0, ContentLabels.isLayer(descriptor.mediaType) else {
            try await pump(stream, into: writer, layer: nil, session: session)
            return
        }
        let layer = LayerStream(descriptor: descriptor)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                do {
                    try await observer(layer)
                    layer.consumerFinished()
                } catch {
                    layer.consumerFinished(error)
                    throw error
                }
            }
            do {
                try await pump(stream, into: writer, layer: layer, session: session)
                layer.finish(.success(()))
            } catch {
                layer.finish(.failure(error))
                throw error
            }
            try await group.waitForAll()
        }
        if layer.deliveredAll { session.addObserved(descriptor.digest) }
    }

    private func pump(_ stream: BlobStream, into writer: any ContentSinkWriter, layer: LayerStream?, session: PullSession) async throws {
        var position = stream.offset
        var lastReport = ContinuousClock.now
        for try await chunk in stream {
            try await writer.write(chunk)
            try await layer?.send(chunk)
            position += Int64(chunk.readableBytes)
            session.addFetched(chunk.readableBytes)
            if ContinuousClock.now - lastReport >= .milliseconds(100) {
                lastReport = .now
                session.report(stream.descriptor, .downloading(offset: position, total: stream.descriptor.size))
            }
        }
    }
}
