import BerthAPI
import GRPCCore
import GRPCNIOTransportHTTP2
import SwiftProtobuf

public typealias ImageDescription = Containerd_Services_Images_V1_Image

extension BerthClient {
    var images: Containerd_Services_Images_V1_Images.Client<HTTP2ClientTransport.Posix> { .init(wrapping: grpc) }

    public func listImages(filters: [String] = []) async throws -> [ImageDescription] {
        try await images.list(.with { $0.filters = filters }, metadata: metadata, options: options).images
    }

    public func image(_ name: String) async throws -> ImageDescription {
        try await images.get(.with { $0.name = name }, metadata: metadata, options: options).image
    }

    @discardableResult
    public func createImage(_ image: ImageDescription) async throws -> ImageDescription {
        try await images.create(.with { $0.image = image }, metadata: metadata, options: options).image
    }

    /// Sets each label; an empty value removes it.
    @discardableResult
    public func setImageLabels(_ name: String, _ labels: [String: String]) async throws -> ImageDescription {
        let request = Containerd_Services_Images_V1_UpdateImageRequest.with {
            $0.image = .with {
                $0.name = name
                $0.labels = labels.filter { !$0.value.isEmpty }
            }
            $0.updateMask = .with { $0.paths = labels.keys.sorted().map { "labels.\($0)" } }
        }
        return try await images.update(request, metadata: metadata, options: options).image
    }

    /// Points `name` at `target`'s image, creating or replacing it (ctr's `images tag --force`).
    @discardableResult
    public func tagImage(source: String, target: String, force: Bool = false) async throws -> ImageDescription {
        var image = try await self.image(source)
        image.name = target
        do {
            return try await createImage(image)
        } catch let error as RPCError where error.code == .alreadyExists && force {
            let request = Containerd_Services_Images_V1_UpdateImageRequest.with { $0.image = image }
            return try await images.update(request, metadata: metadata, options: options).image
        }
    }

    /// Deletes the image; with `sync`, garbage collection has run when this returns.
    public func deleteImage(_ name: String, sync: Bool = false) async throws {
        _ = try await images.delete(.with {
            $0.name = name
            $0.sync = sync
        }, metadata: metadata, options: options)
    }
}

public typealias DescriptorMessage = Containerd_Types_Descriptor

extension BerthClient {
    /// Replaces an image's target, keeping its labels.
    public func replaceImageTarget(_ image: ImageDescription) async throws {
        let request = Containerd_Services_Images_V1_UpdateImageRequest.with {
            $0.image = image
            $0.updateMask = .with { $0.paths = ["target"] }
        }
        _ = try await images.update(request, metadata: metadata, options: options)
    }
}
