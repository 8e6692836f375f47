import Foundation

/// What /proc says about processes: parents, and children left unreaped.
enum ProcessTable {
    /// Fields after the command name in /proc/PID/stat (state, ppid, pgrp, session, ...).
    static func statFields(_ pid: Int32) -> [Substring] {
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        guard let close = stat.lastIndex(of: ")") else { return [] }
        return stat[stat.index(after: close)...].split(separator: " ")
    }

    static func parent(of pid: Int32) -> Int32? {
        statFields(pid).dropFirst().first.flatMap { Int32($0) }
    }

    /// Children of `pid` that exited and were not waited for.
    static func zombieChildren(of pid: Int32) -> [Int32] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.compactMap { Int32($0) }.filter { child in
            let fields = statFields(child)
            return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == pid
        }
    }
}
