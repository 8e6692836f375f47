import BerthCore
import OCI

/// containerd's platforms package, as far as import and export use it.
public enum ArchivePlatforms {
    /// This machine's platform (containerd's platforms.DefaultSpec()).
    public static var host: OCIPlatform {
        #if arch(x86_64)
        OCIPlatform(os: hostOS, architecture: "amd64")
        #elseif arch(arm64)
        OCIPlatform(os: hostOS, architecture: "arm64")
        #elseif arch(arm)
        OCIPlatform(os: hostOS, architecture: "arm", variant: "v7")
        #elseif arch(i386)
        OCIPlatform(os: hostOS, architecture: "386")
        #elseif arch(s390x)
        OCIPlatform(os: hostOS, architecture: "s390x")
        #elseif arch(powerpc64le)
        OCIPlatform(os: hostOS, architecture: "ppc64le")
        #elseif arch(riscv64)
        OCIPlatform(os: hostOS, architecture: "riscv64")
        #else
        OCIPlatform(os: hostOS, architecture: "unknown")
        #endif
    }

    static var hostOS: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "darwin"
        #elseif os(Windows)
        "windows"
        #else
        "unknown"
        #endif
    }

    /// platforms.Parse: `<os>|<arch>|<os>/<arch>[/<variant>]`.
    public static func parse(_ specifier: String) throws -> OCIPlatform {
        if specifier.contains("*") {
            throw BerthError.invalidArgument("\"\(specifier)\": wildcards not yet supported")
        }
        let parts = specifier.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        for part in parts {
            guard !part.isEmpty, part.utf8.allSatisfy({ isAlnum($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }) else {
                throw BerthError.invalidArgument(
                    "\"\(part)\" is an invalid component of \"\(specifier)\": platform specifier component must match \"^[A-Za-z0-9_-]+$\"")
            }
        }
        switch parts.count {
        case 1:
            let os = normalizeOS(parts[0])
            if knownOS.contains(os) {
                let host = self.host
                return OCIPlatform(os: os, architecture: host.architecture, variant: host.architecture == "arm" && host.variant != "v7" ? host.variant : nil)
            }
            var (architecture, variant) = normalizeArch(parts[0], "")
            if architecture == "arm" && variant == "v7" { variant = "" }
            if knownArch.contains(architecture) {
                return OCIPlatform(os: hostOS, architecture: architecture, variant: variant.isEmpty ? nil : variant)
            }
            throw BerthError.invalidArgument("\"\(specifier)\": unknown operating system or architecture")
        case 2:
            var (architecture, variant) = normalizeArch(parts[1], "")
            if architecture == "arm" && variant == "v7" { variant = "" }
            return OCIPlatform(os: normalizeOS(parts[0]), architecture: architecture, variant: variant.isEmpty ? nil : variant)
        case 3:
            var (architecture, variant) = normalizeArch(parts[1], parts[2])
            if architecture == "arm64" && variant.isEmpty { variant = "v8" }
            return OCIPlatform(os: normalizeOS(parts[0]), architecture: architecture, variant: variant.isEmpty ? nil : variant)
        default:
            throw BerthError.invalidArgument("\"\(specifier)\": cannot parse platform specifier")
        }
    }

    /// platforms.Normalize.
    public static func normalize(_ platform: OCIPlatform) -> OCIPlatform {
        var result = platform
        result.os = normalizeOS(platform.os)
        let (architecture, variant) = normalizeArch(platform.architecture, platform.variant ?? "")
        result.architecture = architecture
        result.variant = variant.isEmpty ? nil : variant
        return result
    }

    static func normalizeOS(_ os: String) -> String {
        if os.isEmpty { return hostOS }
        let lower = os.lowercased()
        return lower == "macos" ? "darwin" : lower
    }

    static func normalizeArch(_ architecture: String, _ variant: String) -> (String, String) {
        var architecture = architecture.lowercased()
        var variant = variant.lowercased()
        switch architecture {
        case "i386":
            architecture = "386"
            variant = ""
        case "x86_64", "x86-64", "amd64":
            architecture = "amd64"
            if variant == "v1" { variant = "" }
        case "aarch64", "arm64":
            architecture = "arm64"
            if variant == "8" || variant == "v8" { variant = "" }
        case "armhf":
            architecture = "arm"
            variant = "v7"
        case "armel":
            architecture = "arm"
            variant = "v6"
        case "arm":
            switch variant {
            case "", "7": variant = "v7"
            case "5", "6", "8": variant = "v" + variant
            default: break
            }
        default: break
        }
        return (architecture, variant)
    }

    private static func isAlnum(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    private static let knownOS: Set<String> = [
        "aix", "android", "darwin", "dragonfly", "freebsd", "hurd", "illumos", "ios", "js", "linux", "nacl", "netbsd",
        "openbsd", "plan9", "solaris", "windows", "zos",
    ]
    private static let knownArch: Set<String> = [
        "386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "loong64", "mips", "mipsle",
        "mips64", "mips64le", "mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64",
        "wasm",
    ]
}

/// A platforms.MatchComparer: all platforms, or an ordered list matched exactly after normalisation.
struct PlatformMatcher: Sendable {
    private let ordered: [OCIPlatform]?

    static let all = PlatformMatcher(ordered: nil)

    /// platforms.OnlyStrict / platforms.Ordered: these platforms exactly.
    static func exactly(_ platforms: [OCIPlatform]) -> PlatformMatcher {
        PlatformMatcher(ordered: platforms.map(ArchivePlatforms.normalize))
    }

    /// platforms.Only: the platform and the ones it can run (amd64 → 386, arm64 → arm v8…v5, arm vN → lower).
    static func only(_ platform: OCIPlatform) -> PlatformMatcher {
        PlatformMatcher(ordered: vector(ArchivePlatforms.normalize(platform)).map(ArchivePlatforms.normalize))
    }

    func matches(_ platform: OCIPlatform) -> Bool {
        guard let ordered else { return true }
        return ordered.contains { Self.same($0, ArchivePlatforms.normalize(platform)) }
    }

    /// Orders matching platforms before others, earlier matchers first.
    func less(_ lhs: OCIPlatform, _ rhs: OCIPlatform) -> Bool {
        guard let ordered else { return false }
        let left = ArchivePlatforms.normalize(lhs), right = ArchivePlatforms.normalize(rhs)
        for platform in ordered {
            let leftMatches = Self.same(platform, left), rightMatches = Self.same(platform, right)
            if leftMatches && !rightMatches { return true }
            if leftMatches || rightMatches { return false }
        }
        return false
    }

    private static func same(_ lhs: OCIPlatform, _ rhs: OCIPlatform) -> Bool {
        lhs.os == rhs.os && lhs.architecture == rhs.architecture && (lhs.variant ?? "") == (rhs.variant ?? "")
    }

    private static func vector(_ platform: OCIPlatform) -> [OCIPlatform] {
        var vector = [platform]
        func version(_ variant: String?) -> Int? { variant.flatMap { Int($0.hasPrefix("v") ? String($0.dropFirst()) : $0) } }
        switch platform.architecture {
        case "amd64":
            if var level = version(platform.variant), level > 1 {
                level -= 1
                while level >= 1 {
                    vector.append(OCIPlatform(os: platform.os, architecture: "amd64", variant: "v\(level)"))
                    level -= 1
                }
            }
            vector.append(OCIPlatform(os: platform.os, architecture: "386"))
        case "arm":
            if var level = version(platform.variant), level > 5 {
                level -= 1
                while level >= 5 {
                    vector.append(OCIPlatform(os: platform.os, architecture: "arm", variant: "v\(level)"))
                    level -= 1
                }
            }
        case "arm64":
            vector += self.vector(OCIPlatform(os: platform.os, architecture: "arm", variant: platform.variant ?? "v8"))
        default: break
        }
        return vector
    }
}
