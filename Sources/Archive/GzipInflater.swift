import BerthCore
import CISAL

/// Streaming gzip decompression with ISA-L's igzip instead of zlib (which libarchive's gzip filter uses): it
/// inflates layers two to three times as fast here (the bench's busybox layer: 5.8 against 14.2 ms; its 268 MiB
/// image: 2.1 against 5.0 s of CPU), and unpacking is mostly inflating. Members that follow one another are
/// read one after the other, as gzip(1) and libarchive read them; bytes after the last member that do not
/// start another are ignored, as libarchive ignores them.
final class GzipInflater {
    private let source: CallbackSource
    private let state: UnsafeMutablePointer<inflate_state>
    private var finished = false
    private var inputEnded = false

    /// `source` holds the stream's first bytes (at least the gzip magic) as pending.
    init(source: CallbackSource) {
        self.source = source
        state = .allocate(capacity: 1)
        isal_inflate_init(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
    }

    deinit { state.deallocate() }

    /// Up to `buffer.count` decompressed bytes; 0 at the end.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard !finished, let base = buffer.baseAddress, buffer.count > 0 else { return 0 }
        state.pointee.next_out = base.assumingMemoryBound(to: UInt8.self)
        state.pointee.avail_out = UInt32(clamping: buffer.count)
        while state.pointee.avail_out > 0 {
            if state.pointee.avail_in == 0, !inputEnded {
                if state.pointee.avail_out < buffer.count { break }  // hand out what there is before reading on
                inputEnded = try !refill()
            }
            let room = state.pointee.avail_out
            let status = isal_inflate(state)
            guard status >= ISAL_DECOMP_OK else { throw Self.failure(status) }
            if state.pointee.block_state == ISAL_BLOCK_FINISH {
                guard try startNextMember() else {
                    finished = true
                    break
                }
            } else if inputEnded, state.pointee.avail_out == room {
                // igzip keeps some output of its own until asked again; once that is out, nothing more can come.
                throw BerthError.invalidArgument("layer decompression failed: the gzip stream ends early")
            }
        }
        return buffer.count - Int(state.pointee.avail_out)
    }

    /// Points the inflater at the source's next bytes; false at the end of the input.
    private func refill() throws -> Bool {
        let chunk = try source.next()
        guard let base = chunk.baseAddress, chunk.count > 0 else { return false }
        state.pointee.next_in = UnsafeMutablePointer(mutating: base.assumingMemoryBound(to: UInt8.self))
        state.pointee.avail_in = UInt32(chunk.count)
        return true
    }

    /// After a member: starts the next one if another gzip header follows.
    private func startNextMember() throws -> Bool {
        if state.pointee.avail_in == 0 {
            guard !inputEnded, try refill() else {
                inputEnded = true
                return false
            }
        }
        // A header split over two reads is too rare to look for: its first byte alone decides.
        guard state.pointee.next_in.pointee == 0x1f else { return false }
        let (input, count) = (state.pointee.next_in, state.pointee.avail_in)
        let (output, room) = (state.pointee.next_out, state.pointee.avail_out)
        isal_inflate_reset(state)
        state.pointee.crc_flag = UInt32(ISAL_GZIP)
        (state.pointee.next_in, state.pointee.avail_in) = (input, count)
        (state.pointee.next_out, state.pointee.avail_out) = (output, room)
        return true
    }

    private static func failure(_ status: Int32) -> BerthError {
        let reason = switch status {
        case ISAL_INVALID_WRAPPER: "not a gzip header"
        case ISAL_UNSUPPORTED_METHOD: "not deflate-compressed"
        case ISAL_INCORRECT_CHECKSUM: "its checksum does not match"
        default: "invalid deflate data (igzip error \(status))"
        }
        return BerthError.invalidArgument("layer decompression failed: gzip: \(reason)")
    }
}
