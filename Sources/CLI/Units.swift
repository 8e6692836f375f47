import Foundation

/// The human-readable sizes and ages ctr prints (docker/go-units and containerd's progress package).
enum Units {
    /// go-units HumanSize: decimal units, 4 significant digits ("209.7MB", "512B").
    static func humanSize(_ bytes: Int64) -> String {
        let units = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"]
        var size = Double(bytes)
        var index = 0
        while size >= 1000, index < units.count - 1 {
            size /= 1000
            index += 1
        }
        return goG(size, precision: 4) + units[index]
    }

    /// containerd's progress.Bytes: binary units, one decimal ("2.1 MiB").
    static func binarySize(_ bytes: Int64) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"]
        var size = Double(bytes)
        var index = 0
        while size >= 1024, index < units.count - 1 {
            size /= 1024
            index += 1
        }
        return String(format: "%02.1f %@", size, units[index])
    }

    /// go-units HumanDuration.
    static func humanDuration(_ interval: TimeInterval) -> String {
        let seconds = Int(interval)
        if seconds < 1 { return "Less than a second" }
        if seconds == 1 { return "1 second" }
        if seconds < 60 { return "\(seconds) seconds" }
        let minutes = Int(interval / 60)
        if minutes == 1 { return "About a minute" }
        if minutes < 60 { return "\(minutes) minutes" }
        let hours = Int(interval / 3600 + 0.5)
        if hours == 1 { return "About an hour" }
        if hours < 48 { return "\(hours) hours" }
        if hours < 24 * 7 * 2 { return "\(hours / 24) days" }
        if hours < 24 * 30 * 2 { return "\(hours / 24 / 7) weeks" }
        if hours < 24 * 365 * 2 { return "\(hours / 24 / 30) months" }
        return "\(Int(interval / 3600 / 24 / 365)) years"
    }

    /// Go's %.Ng: N significant digits, trailing zeros dropped.
    private static func goG(_ value: Double, precision: Int) -> String {
        String(format: "%.\(precision)g", value)
    }
}
