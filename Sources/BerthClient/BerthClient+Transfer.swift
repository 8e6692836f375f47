import BerthAPI
import GRPCCore
import GRPCNIOTransportHTTP2

public typealias PullRequest = Berth_Services_Transfer_V1_PullRequest
public typealias PullProgressMessage = Berth_Services_Transfer_V1_PullProgress
public typealias PullResultMessage = Berth_Services_Transfer_V1_PullResult

extension BerthClient {
    var transfer: Berth_Services_Transfer_V1_Transfer.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    /// Has berthd pull (and unpack) an image itself; `progress` sees each progress message. The pull goes on
    /// in the daemon if this call is cancelled. Throws `.unimplemented` against a daemon without the service
    /// (containerd): pull through the content service there.
    public func pullInDaemon(
        _ pull: PullRequest, progress: @escaping @Sendable (PullProgressMessage) async -> Void
    ) async throws -> PullResultMessage {
        // No timeout: a large pull takes as long as it takes.
        try await transfer.pull(request: ClientRequest(message: pull, metadata: metadata)) { response in
            var result: PullResultMessage?
            for try await message in response.messages {
                await progress(message)
                if message.hasResult { result = message.result }
            }
            guard let result else { throw RPCError(code: .internalError, message: "pull ended without a result") }
            return result
        }
    }
}
