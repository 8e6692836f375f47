import Foundation

/// The controlling terminal in raw mode while a `-t` task runs, restored afterwards.
final class RawTerminal: @unchecked Sendable {
    private var saved = termios()
    private let active: Bool

    init() {
        guard isatty(STDIN_FILENO) == 1, tcgetattr(STDIN_FILENO, &saved) == 0 else {
            active = false
            return
        }
        var raw = saved
        cfmakeraw(&raw)
        active = tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0
    }

    func restore() {
        if active { tcsetattr(STDIN_FILENO, TCSANOW, &saved) }
    }

    /// The terminal's size (columns, rows), if stdout is one.
    static func size() -> (width: UInt32, height: UInt32)? {
        var size = winsize()
        guard ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 else { return nil }
        return (UInt32(size.ws_col), UInt32(size.ws_row))
    }
}
