import BerthAPI
import Foundation
import NIOCore
import NIOEmbedded
import SwiftProtobuf
import Testing

@testable import TTRPC

/// The frame codec on its own, and the limits as the server and client apply them.
@Suite(.timeLimit(.minutes(1)))
struct FrameTests {
    typealias ConnectRequest = Containerd_Task_V2_ConnectRequest
    typealias ConnectResponse = Containerd_Task_V2_ConnectResponse

    static func decoderChannel(maxPayloadLength: Int = TTRPCFrameHeader.maxPayloadLength) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(
            ByteToMessageHandler(TTRPCFrameDecoder(maxPayloadLength: maxPayloadLength)))
        return channel
    }

    @Test func decodesFramesSplitAnywhere() throws {
        let channel = try Self.decoderChannel()
        var bytes = RawConnection.frameBytes(streamID: 1, type: 1, payload: Array("hello".utf8))
        bytes.writeImmutableBuffer(RawConnection.frameBytes(streamID: 3, type: 2, payload: []))
        // One byte at a time: nothing comes out until a frame is whole.
        while let byte = bytes.readSlice(length: 1) { try channel.writeInbound(byte) }

        let first = try #require(try channel.readInbound(as: TTRPCInboundFrame.self))
        guard case .frame(let one) = first else { Issue.record("expected a frame"); return }
        #expect(one.streamID == 1 && one.type == .request && String(buffer: one.payload) == "hello")
        let second = try #require(try channel.readInbound(as: TTRPCInboundFrame.self))
        guard case .frame(let two) = second else { Issue.record("expected a frame"); return }
        #expect(two.streamID == 3 && two.type == .response && two.payload.readableBytes == 0)
        #expect(try channel.readInbound(as: TTRPCInboundFrame.self) == nil)
        _ = try channel.finish()
    }

    @Test func skipsAnOversizedPayloadWithoutBufferingIt() throws {
        let channel = try Self.decoderChannel(maxPayloadLength: 16)
        // The header alone is enough to reject it.
        try channel.writeInbound(RawConnection.frameBytes(streamID: 5, type: 1, payload: [], announcedLength: 40))
        let rejected = try #require(try channel.readInbound(as: TTRPCInboundFrame.self))
        guard case .oversized(let header) = rejected else { Issue.record("expected oversized"); return }
        #expect(header.streamID == 5 && header.payloadLength == 40)
        // Its payload, in pieces, is skipped; the next frame after it decodes.
        try channel.writeInbound(ByteBuffer(bytes: [UInt8](repeating: 7, count: 25)))
        var rest = ByteBuffer(bytes: [UInt8](repeating: 7, count: 15))
        rest.writeImmutableBuffer(RawConnection.frameBytes(streamID: 7, type: 1, payload: [1, 2, 3]))
        try channel.writeInbound(rest)
        let next = try #require(try channel.readInbound(as: TTRPCInboundFrame.self))
        guard case .frame(let frame) = next else { Issue.record("expected a frame"); return }
        #expect(frame.streamID == 7 && Array(buffer: frame.payload) == [1, 2, 3])
        _ = try channel.finish()
    }

    @Test func encoderWritesHeaderThenPayload() throws {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(TTRPCFrameEncoder())
        try channel.writeOutbound(TTRPCFrame(streamID: 9, type: .response, payload: ByteBuffer(bytes: [0xAA, 0xBB])))
        var out = ByteBuffer()
        while var piece = try channel.readOutbound(as: ByteBuffer.self) { out.writeBuffer(&piece) }
        #expect(Array(buffer: out) == [0, 0, 0, 2, 0, 0, 0, 9, 2, 0, 0xAA, 0xBB])

        // Large payloads go out without being copied behind the header, same bytes on the wire.
        let large = ByteBuffer(bytes: [UInt8](repeating: 1, count: TTRPCFrameEncoder.coalesceLimit + 1))
        try channel.writeOutbound(TTRPCFrame(streamID: 11, type: .request, payload: large))
        var total = 0
        while let piece = try channel.readOutbound(as: ByteBuffer.self) { total += piece.readableBytes }
        #expect(total == TTRPCFrameHeader.encodedLength + large.readableBytes)
        _ = try channel.finish()
    }

    @Test func serverAnswersAnOversizedRequestAndKeepsTheConnection() async throws {
        try await TestServer.with(register: { server in
            server.register(service: "test.Echo", method: "Connect") { (request: ConnectRequest, _) in
                var response = ConnectResponse()
                response.version = request.id
                return response
            }
        }) { fixture in
            // Closed with the server when the fixture tears down.
            let raw = try await RawConnection.connect(fixture.socketPath)
            let oversized = TTRPCFrameHeader.maxPayloadLength + 1
            try await raw.send(
                RawConnection.frameBytes(
                    streamID: 1, type: 1, payload: [UInt8](repeating: 0, count: oversized)))
            var request = Ttrpc_Request()
            request.service = "test.Echo"
            request.method = "Connect"
            var inner = ConnectRequest()
            inner.id = "after"
            request.payload = try inner.serializedBytes()
            try await raw.send(RawConnection.frameBytes(streamID: 3, type: 1, payload: try request.serializedBytes()))
            // An even (server-side) stream id is refused on that stream.
            try await raw.send(RawConnection.frameBytes(streamID: 4, type: 1, payload: try request.serializedBytes()))

            var answers: [UInt32: Ttrpc_Response] = [:]
            for await inbound in raw.frames {
                guard case .frame(let frame) = inbound else { continue }
                answers[frame.streamID] = try Ttrpc_Response(serializedBytes: Array(buffer: frame.payload))
                if answers.count == 3 { break }
            }
            #expect(answers[1]?.status.code == TTRPCError.Code.resourceExhausted)
            #expect(
                answers[1]?.status.message
                    == "message length \(oversized) exceed maximum message size of 4194304")
            #expect(answers[3]?.status.code == 0)
            #expect(try ConnectResponse(serializedBytes: answers[3]?.payload ?? Data()).version == "after")
            #expect(answers[4]?.status.code == TTRPCError.Code.invalidArgument)
            await raw.close()
        }
    }

    @Test func oversizedMessagesAreRefusedOnBothSides() async throws {
        try await TestServer.with(register: { server in
            server.register(service: "test.Echo", method: "Big") { (_: ConnectRequest, _) in
                var response = ConnectResponse()
                response.version = String(repeating: "x", count: TTRPCFrameHeader.maxPayloadLength)
                return response
            }
        }) { fixture in
            // A request over the limit fails locally.
            var big = ConnectRequest()
            big.id = String(repeating: "y", count: TTRPCFrameHeader.maxPayloadLength)
            let request = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: "test.Echo", method: "Big", request: big)
            }
            #expect(request?.code == TTRPCError.Code.resourceExhausted)
            // A response over the limit is replaced by a status saying so.
            let response = await ttrpcError {
                let _: ConnectResponse = try await fixture.client.call(
                    service: "test.Echo", method: "Big", request: ConnectRequest())
            }
            #expect(response?.code == TTRPCError.Code.resourceExhausted)
            #expect(!fixture.client.isClosed)
        }
    }

    @Test func clientFailsTheCallAnOversizedAnswerBelongsTo() async throws {
        let calls = TTRPCClientCalls()
        let channel = try Self.decoderChannel(maxPayloadLength: 8)
        try channel.pipeline.syncOperations.addHandler(TTRPCClientHandler(calls: calls))
        let id = try calls.reserve()
        #expect(id == 1)
        let other = try calls.reserve()
        #expect(other == 3)
        try channel.writeInbound(RawConnection.frameBytes(streamID: id, type: 2, payload: [], announcedLength: 100))
        // The failure landed before anyone waited: the waiter gets it at once.
        await #expect(throws: TTRPCError.messageTooLarge(100)) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer, any Error>) in
                _ = calls.wait(id, continuation)
            }
        }
        // The connection closing fails the other one with Unavailable.
        _ = try channel.finish()
        await #expect(throws: TTRPCError.closed) {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<ByteBuffer, any Error>) in
                _ = calls.wait(other, continuation)
            }
        }
    }

    @Test func serverOnAnInheritedListeningSocket() async throws {
        let directory = try TestDirectory()
        defer { directory.remove() }
        let path = directory.file("fd.sock")
        let fd = try Self.listeningSocket(path)
        let server = TTRPCServer()
        server.register(service: "test.Echo", method: "Connect") { (request: ConnectRequest, _) in
            var response = ConnectResponse()
            response.version = request.id
            return response
        }
        try await server.start(listeningSocketDescriptor: fd)
        let client = try await TTRPCClient.connect(unixSocketPath: "unix://" + path)
        var request = ConnectRequest()
        request.id = "via-fd"
        let response: ConnectResponse = try await client.call(service: "test.Echo", method: "Connect", request: request)
        #expect(response.version == "via-fd")
        await client.close()
        await server.close()
    }

    /// socket(2), bind(2), listen(2) by hand, as a parent process would before handing the fd down.
    static func listeningSocket(_ path: String) throws -> CInt {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in path.utf8.prefix(raw.count - 1).enumerated() { raw[index] = byte }
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard bound == 0, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw POSIXError(.init(rawValue: code) ?? .EIO)
        }
        return fd
    }
}
