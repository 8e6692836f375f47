import BerthAPI
import BerthCore
import Foundation
import SwiftProtobuf

extension Google_Protobuf_Timestamp {
    init(_ date: Date) {
        self.init(date: date)
    }
}

extension Descriptor {
    /// From the wire; a bad digest is invalidArgument naming `field`.
    init(_ message: Containerd_Types_Descriptor, field: String) throws {
        let digest: Digest
        do {
            digest = try Digest(parsing: message.digest)
        } catch let error as BerthError {
            throw BerthError.invalidArgument("\(field) \"\(message.digest)\" invalid: \(error.message)")
        }
        self.init(mediaType: message.mediaType, digest: digest, size: message.size, annotations: message.annotations)
    }
}

extension Containerd_Types_Descriptor {
    init(_ descriptor: Descriptor) {
        self.init()
        mediaType = descriptor.mediaType
        digest = descriptor.digest.description
        size = descriptor.size
        annotations = descriptor.annotations
    }
}

extension Digest {
    /// A digest from a request field, with containerd's wording for a bad one.
    static func fromRequest(_ text: String) throws -> Digest {
        do {
            return try Digest(parsing: text)
        } catch let error as BerthError {
            throw BerthError.invalidArgument(error.message)
        }
    }
}
