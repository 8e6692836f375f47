import APISupport
import BerthAPI
import BerthCore
import Events
import Foundation
import Logging
import SwiftProtobuf
import TTRPC

/// `containerd.services.events.ttrpc.v1.Events/Forward` on the daemon's ttrpc socket: shims send their task
/// events (create, start, exit, oom, exec, paused, ...) here, and they go out to subscribers unchanged.
public enum ShimEventsService {
    public static let service = "containerd.services.events.ttrpc.v1.Events"

    public static func register(on server: TTRPCServer, exchange: EventExchange, logger: Logger) {
        server.register(service: service, method: "Forward") {
            (request: Containerd_Services_Events_Ttrpc_V1_ForwardRequest, _: TTRPCRequestContext) async throws -> Google_Protobuf_Empty in
            let envelope = request.envelope
            let event = Event(
                timestamp: envelope.hasTimestamp ? envelope.timestamp.date : Date(),
                namespace: envelope.namespace, topic: envelope.topic, payload: EventPayload(any: envelope.event))
            do {
                try await exchange.publish(event)
            } catch let error as BerthError {
                logger.warning("rejected shim event", metadata: ["topic": "\(envelope.topic)", "error": "\(error)"])
                throw TTRPCError(code: error.kind == .invalidArgument ? 3 : 2, message: error.message)
            }
            return Google_Protobuf_Empty()
        }
    }
}
