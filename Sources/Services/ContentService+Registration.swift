import BerthAPI
import GRPCCore
import GRPCProtobuf

/// The content service as the daemon registers it: the generated handlers, with Write's requests decoded by
/// `WriteRequestDeserializer` so that ingested data is not copied on its way to the hash and the file.
public struct ContentRPCService: RegistrableRPCService {
    let service: ContentService

    public init(_ service: ContentService) {
        self.service = service
    }

    public func registerMethods<Transport: ServerTransport>(with router: inout RPCRouter<Transport>) {
        service.registerMethods(with: &router)
        router.registerHandler(
            forMethod: ContentService.API.Method.Write.descriptor,
            deserializer: WriteRequestDeserializer(),
            serializer: ProtobufSerializer<ContentService.API.Method.Write.Output>()
        ) { [service] request, context in
            try await service.write(request: request, context: context)
        }
    }
}
