import Glibc
import SwiftProtobuf

extension Google_Protobuf_Timestamp {
    /// The wall clock now (Timestamp(date:) would need Foundation's Date).
    static func now() -> Google_Protobuf_Timestamp {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Google_Protobuf_Timestamp(seconds: Int64(now.tv_sec), nanos: Int32(now.tv_nsec))
    }
}
