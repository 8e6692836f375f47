/// What the frame decoder hands up the pipeline.
enum TTRPCInboundFrame: Sendable {
    /// A complete frame.
    case frame(TTRPCFrame)
    /// A header announcing a payload over the limit. The payload itself is skipped, never buffered;
    /// the receiver answers (server) or fails the call (client) on that stream with ResourceExhausted.
    case oversized(TTRPCFrameHeader)
}
