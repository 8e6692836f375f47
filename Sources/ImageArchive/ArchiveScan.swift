import BerthCore

/// The importer's first pass over an archive: every entry's name, type and size, checked for safety, and the
/// JSON documents (small files that look like JSON) kept in memory. Layers are skipped, not read into memory.
struct ArchiveScan {
    struct File {
        var size: Int64
        /// The first bytes, to tell compressions apart.
        var magic: [UInt8]
        /// The whole file when it is a JSON-looking document within the size limit.
        var document: [UInt8]?
        /// sha256 of `document`.
        var documentDigest: String?
    }

    /// Regular files by cleaned name.
    private(set) var files: [String: File] = [:]
    /// Symbolic links by cleaned name, to the cleaned name they point to inside the archive.
    private(set) var symlinks: [String: String] = [:]

    static let layoutFile = "oci-layout"
    static let indexFile = "index.json"
    static let dockerManifestFile = "manifest.json"

    init(path: String) throws {
        let reader = try TarReader(path: path)
        var retained = 0
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var entries = 0
        while let entry = try reader.next() {
            entries += 1
            guard entries <= ArchiveLimits.maxEntries else {
                throw BerthError.invalidArgument("the archive has more than \(ArchiveLimits.maxEntries) entries")
            }
            let name = entry.name
            let underBlobs = name.hasPrefix("blobs/")
            switch entry.kind {
            case .directory, .other:
                continue
            case .hardlink(let target):
                if underBlobs {
                    throw BerthError.invalidArgument("archive entry \"\(name)\" is a hard link (to \"\(target)\"); blobs must be regular files")
                }
                continue  // ignored elsewhere, as containerd ignores every entry that is not a regular file
            case .symlink(let target):
                if underBlobs {
                    throw BerthError.invalidArgument("archive entry \"\(name)\" is a symbolic link; blobs must be regular files")
                }
                guard let resolved = ArchivePath.resolve(link: name, target: target) else {
                    throw BerthError.invalidArgument("archive entry \"\(name)\" links to \"\(target)\", outside the archive")
                }
                guard files[name] == nil, symlinks[name] == nil else {
                    throw BerthError.invalidArgument("archive entry \"\(name)\" appears more than once")
                }
                symlinks[name] = resolved
                continue
            case .regular:
                break
            }
            guard files[name] == nil, symlinks[name] == nil else {
                throw BerthError.invalidArgument("archive entry \"\(name)\" appears more than once")
            }
            let first = try chunk.withUnsafeMutableBytes { try reader.read(into: $0) }
            var file = File(size: entry.size, magic: Array(chunk[0..<min(first, 16)]))
            let special = name == Self.layoutFile || name == Self.indexFile || name == Self.dockerManifestFile
            let looksLikeJSON = chunk[0..<first].first { !Self.isSpace($0) }.map { $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "[") } ?? false
            if special || (looksLikeJSON && entry.size <= Int64(ArchiveLimits.maxDocumentSize)) {
                guard entry.size <= Int64(ArchiveLimits.maxDocumentSize) else {
                    throw BerthError.invalidArgument(
                        "\(name) is larger than the \(ArchiveLimits.maxDocumentSize / (1024 * 1024)) MiB limit for JSON documents")
                }
                retained += Int(entry.size)
                guard retained <= ArchiveLimits.maxRetainedDocuments else {
                    throw BerthError.invalidArgument(
                        "the archive holds more than \(ArchiveLimits.maxRetainedDocuments / (1024 * 1024)) MiB of JSON documents")
                }
                var document = Array(chunk[0..<first])
                if first > 0 {
                    document += try reader.readAll(limit: ArchiveLimits.maxDocumentSize - first, what: name)
                }
                guard Int64(document.count) == entry.size else {
                    throw BerthError.invalidArgument("corrupt archive: \(name) holds \(document.count) bytes, its header says \(entry.size)")
                }
                file.document = document
                file.documentDigest = Digester.digest(of: document)
                if underBlobs, let digest = Self.blobDigest(name) {
                    let actual = digest.algorithm == .sha256 ? file.documentDigest! : Digester.digest(of: document, digest.algorithm)
                    guard actual == digest.description else {
                        throw BerthError.invalidArgument("blob \(name) does not match its digest: its bytes hash to \(actual)")
                    }
                }
            }
            files[name] = file
        }
    }

    /// The digest a `blobs/<algorithm>/<encoded>` name stands for.
    static func blobDigest(_ name: String) -> Digest? {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "blobs" else { return nil }
        return try? Digest(parsing: "\(parts[1]):\(parts[2])")
    }

    static func blobPath(_ digest: String) -> String {
        "blobs/" + digest.replacingOccurrences(of: ":", with: "/")
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    func file(_ name: String) -> File? { files[name] }

    /// A regular file by name, through at most one symbolic link (as containerd resolves Docker layer links).
    func resolveRegular(_ name: String) throws -> (name: String, file: File)? {
        if let file = files[name] { return (name, file) }
        if let target = symlinks[name] {
            guard let file = files[target] else {
                throw BerthError.invalidArgument("no target for symlink layer from \"\(name)\" to \"\(target)\"")
            }
            return (target, file)
        }
        return nil
    }
}
