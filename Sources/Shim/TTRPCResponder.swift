import BerthAPI
// Data only (the generated messages' bytes fields): not Foundation, which costs a shim ~8 MB.
import FoundationEssentials
import SwiftProtobuf

/// Answers one ttrpc call, now or later (Wait answers when the process exits). Answering twice, or after
/// the connection closed, does nothing.
final class TTRPCResponder {
    private weak var connection: TTRPCPollConnection?
    let streamID: UInt32
    private var answered = false

    init(connection: TTRPCPollConnection, streamID: UInt32) {
        self.connection = connection
        self.streamID = streamID
    }

    func succeed(_ message: some SwiftProtobuf.Message) {
        do {
            let payload: [UInt8] = try message.serializedBytes()
            send(Ttrpc_Response.with {
                $0.status = Google_Rpc_Status()
                $0.payload = Data(payload)
            })
        } catch {
            fail(ShimError(.internal, "ttrpc: error marshaling payload: \(error)"))
        }
    }

    func fail(_ error: ShimError) {
        send(Ttrpc_Response.with {
            $0.status.code = error.code.rawValue
            $0.status.message = error.wireMessage
        })
    }

    /// A status whose message is passed as is (ttrpc's own errors carry no errdefs suffix).
    func fail(code: Int32, message: String) {
        send(Ttrpc_Response.with {
            $0.status.code = code
            $0.status.message = message
        })
    }

    private func send(_ response: Ttrpc_Response) {
        guard !answered else { return }
        answered = true
        guard let connection, let bytes: [UInt8] = try? response.serializedBytes() else { return }
        connection.send(TTRPCFraming.Frame(streamID: streamID, type: TTRPCFraming.MessageType.response.rawValue, payload: bytes))
    }
}
