import Foundation
import GRPCCore
import NIOHPACK

/// gRPC over HTTP/2 header conventions: metadata to and from HPACK headers, status trailers.
enum HeaderCoding {
    /// Request headers that are transport business, not metadata.
    static let transportHeaders: Set<String> = ["content-type", "te"]

    static func metadata(from headers: HPACKHeaders) -> Metadata {
        var metadata = Metadata()
        for (name, value, _) in headers where !name.hasPrefix(":") && !transportHeaders.contains(name) {
            if name.hasSuffix("-bin") {
                if let bytes = decodeBase64(value) { metadata.addBinary(bytes, forKey: name) }
            } else {
                metadata.addString(value, forKey: name)
            }
        }
        return metadata
    }

    static func append(_ metadata: Metadata, to headers: inout HPACKHeaders) {
        for (key, value) in metadata {
            switch value {
            case .string(let text): headers.add(name: key, value: text)
            case .binary(let bytes): headers.add(name: key, value: Data(bytes).base64EncodedString())
            }
        }
    }

    static func responseHead() -> HPACKHeaders {
        [":status": "200", "content-type": "application/grpc"]
    }

    static func trailers(_ status: Status, _ metadata: Metadata, trailersOnly: Bool) -> HPACKHeaders {
        var headers = trailersOnly ? responseHead() : HPACKHeaders()
        headers.add(name: "grpc-status", value: String(status.code.rawValue))
        if !status.message.isEmpty { headers.add(name: "grpc-message", value: percentEncode(status.message)) }
        append(metadata, to: &headers)
        return headers
    }

    /// grpc-message is percent-encoded outside printable ASCII (and '%' itself).
    static func percentEncode(_ message: String) -> String {
        var encoded = ""
        for byte in message.utf8 {
            if byte >= 0x20 && byte <= 0x7E && byte != UInt8(ascii: "%") {
                encoded.append(Character(Unicode.Scalar(byte)))
            } else {
                encoded += String(format: "%%%02X", byte)
            }
        }
        return encoded
    }

    /// gRPC allows unpadded base64 in -bin headers.
    static func decodeBase64(_ value: String) -> [UInt8]? {
        var text = value
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).map { [UInt8]($0) }
    }
}
