import BerthCore
import OCI

/// Which manifests of an index to pull.
public enum PlatformSelection: Sendable, Hashable {
    /// The machine's platform, one manifest (ctr's default).
    case host
    /// Every manifest matching any of these (ctr's repeated `--platform`).
    case platforms([OCIPlatform])
    /// Everything (ctr's `--all-platforms`).
    case all

    /// Parses ctr's `--platform` values: `os[/arch[/variant]]` or `arch` alone (linux assumed).
    public static func parse(_ specifiers: [String]) throws -> PlatformSelection {
        .platforms(try specifiers.map(Self.platform))
    }

    static func platform(_ specifier: String) throws -> OCIPlatform {
        let parts = specifier.lowercased().split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !parts.contains(where: \.isEmpty), (1...3).contains(parts.count) else {
            throw BerthError.invalidArgument("invalid platform \"\(specifier)\": expected os[/arch[/variant]]")
        }
        if parts.count == 1 {
            let known = ["linux", "windows", "darwin", "freebsd"]
            return known.contains(parts[0])
                ? OCIPlatform(os: parts[0], architecture: HostPlatform.architecture)
                : OCIPlatform(os: "linux", architecture: parts[0])
        }
        return OCIPlatform(os: parts[0], architecture: parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The index children to fetch, in index order. Children without a platform are kept, as
    /// containerd's FilterPlatforms does; `.host` keeps only the best one.
    public func select(_ children: [OCIDescriptor]) -> [OCIDescriptor] {
        switch self {
        case .all:
            return children
        case .platforms(let wanted):
            return children.filter { child in
                guard let platform = child.platform else { return true }
                return wanted.contains { Self.matches(want: $0, have: platform) }
            }
        case .host:
            let host = OCIPlatform(os: HostPlatform.os, architecture: HostPlatform.architecture)
            let matching = children.filter { $0.platform.map { Self.matches(want: host, have: $0) } ?? true }
            let best = matching.first { $0.platform != nil } ?? matching.first
            return best.map { [$0] } ?? []
        }
    }

    /// os and architecture equal after normalizing; the variant too when one is wanted.
    static func matches(want: OCIPlatform, have: OCIPlatform) -> Bool {
        let want = normalize(want)
        let have = normalize(have)
        guard want.os == have.os, want.architecture == have.architecture else { return false }
        return want.variant == nil || want.variant == have.variant
    }

    /// containerd's platforms.Normalize for the common spellings.
    static func normalize(_ platform: OCIPlatform) -> OCIPlatform {
        var architecture = platform.architecture.lowercased()
        var variant = platform.variant?.lowercased()
        switch architecture {
        case "x86_64", "x86-64": architecture = "amd64"
        case "i386": architecture = "386"
        case "aarch64", "arm64":
            architecture = "arm64"
            if variant == "8" || variant == "v8" { variant = nil }
        case "armhf": architecture = "arm"; variant = "v7"
        case "armel": architecture = "arm"; variant = "v6"
        case "arm":
            if let current = variant, ["5", "6", "7", "8"].contains(current) { variant = "v" + current }
        default: break
        }
        return OCIPlatform(os: platform.os.lowercased(), architecture: architecture, variant: variant)
    }
}
