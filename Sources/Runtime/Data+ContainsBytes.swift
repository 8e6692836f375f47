import Foundation

extension Data {
    /// Whether the bytes of `needle` occur anywhere: a memchr scan, to look for a key in a spec without parsing
    /// it (a whole spec parse costs 750k instructions, a tenth of a task start's).
    func containsBytes(_ needle: String) -> Bool {
        withUnsafeBytes { haystack in
            Array(needle.utf8).withUnsafeBytes { needle in
                guard let base = haystack.baseAddress, let pattern = needle.baseAddress, let first = needle.first else {
                    return false
                }
                var offset = 0
                while haystack.count - offset >= needle.count,
                      let hit = memchr(base + offset, Int32(first), haystack.count - offset - needle.count + 1) {
                    if memcmp(hit, pattern, needle.count) == 0 { return true }
                    offset = base.distance(to: UnsafeRawPointer(hit)) + 1
                }
                return false
            }
        }
    }
}
