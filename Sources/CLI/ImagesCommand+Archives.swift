import ArgumentParser
import BerthClient
import Foundation
import GRPCCore
import ImageArchive
import OCI

extension ImagesCommand {
    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "import", abstract: "Import images from an OCI layout or Docker save tarball (\"-\" reads stdin).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Name images after this base plus their tag (default import-<date>).") var baseName: String?
        @Flag(help: "Also name each image by its digest.") var digests = false
        @Option(help: "Name the archive's index as an image.") var indexName: String?
        @Flag(help: "Import content for all platforms.") var allPlatforms = false
        @Option(help: "Import content for this platform (os/arch[/variant]).") var platform: String?
        @Flag(help: "Do not unpack the images into snapshots.") var noUnpack = false
        @Option(help: "The snapshotter to unpack into.") var snapshotter = "overlayfs"
        @Argument(help: "The archive.") var file: String

        func run() async throws {
            var options = ImportOptions()
            options.baseName = baseName
            options.digests = digests
            options.indexName = indexName
            options.allPlatforms = allPlatforms
            if let platform { options.platform = try ArchivePlatforms.parse(platform) }
            let target = options.platform ?? options.hostPlatform
            try await global.withClient { client in
                // Everything happens under one lease, so that nothing written is collected before the images
                // (and, through their labels, the unpacked snapshots) reference it.
                try await client.withTemporaryLease { leased in
                    let imported = try await ArchiveImporter.importArchive(at: file, into: ClientArchiveSink(client: leased), options: options)
                    // Images are created only now, once all their content is stored.
                    for image in imported { try await leased.createOrUpdateImage(image) }
                    for image in imported where !noUnpack {
                        CommandOutput.write("unpacking \(image.name) (\(image.target.digest))...")
                        try await leased.unpack(image.target.wire, platform: target.formatted, snapshotter: snapshotter)
                        CommandOutput.write("done\n")
                    }
                }
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "export", abstract: "Export images to an OCI layout tarball.")
        @OptionGroup var global: GlobalOptions
        @Flag(help: "Export content for all platforms.") var allPlatforms = false
        @Option(help: "Export content for this platform (os/arch[/variant]).") var platform: String?
        @Argument(help: "The archive to write.") var file: String
        @Argument(help: "Image references.") var names: [String]

        func run() async throws {
            let selected = try platform.map { try ArchivePlatforms.parse($0) } ?? ArchivePlatforms.host
            try await global.withClient { client in
                var images: [(name: String, target: OCIDescriptor)] = []
                for name in names {
                    let image = try await client.image(name)
                    images.append((image.name, OCIDescriptor(
                        mediaType: image.target.mediaType, digest: image.target.digest, size: image.target.size,
                        annotations: image.target.annotations.isEmpty ? nil : image.target.annotations)))
                }
                try await ArchiveExporter.export(
                    images: images, from: ClientArchiveSource(client: client), to: file, allPlatforms: allPlatforms,
                    platform: selected)
            }
        }
    }
}

extension BerthClient {
    /// Creates the image, or points an existing one at the new target (ctr's import does the same).
    func createOrUpdateImage(_ imported: ImportedImage) async throws {
        var image = ImageDescription()
        image.name = imported.name
        image.target = imported.target.wire
        do {
            try await createImage(image)
        } catch let error as RPCError where error.code == .alreadyExists {
            try await replaceImageTarget(image)
        }
    }
}

extension OCIDescriptor {
    var wire: DescriptorMessage {
        .with {
            $0.mediaType = mediaType
            $0.digest = digest
            $0.size = size
            $0.annotations = annotations ?? [:]
        }
    }
}
