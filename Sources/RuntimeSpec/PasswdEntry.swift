/// A line of /etc/passwd, parsed as runc's libcontainer/user does (containerd's lookups use it): fields missing
/// from a short line stay empty, and numbers that do not parse are 0, as Go's ignored Atoi errors leave them.
struct PasswdEntry: Equatable {
    var name = ""
    var uid = 0
    var gid = 0
    var home = ""

    /// Every non-blank line; runc's passwd parser, unlike its group parser, does not skip `#` lines.
    static func parse(_ bytes: [UInt8]) -> [PasswdEntry] {
        AccountsFile.lines(bytes, skippingComments: false).map { fields in
            PasswdEntry(
                name: AccountsFile.field(fields, 0), uid: AccountsFile.number(fields, 2),
                gid: AccountsFile.number(fields, 3), home: AccountsFile.field(fields, 5))
        }
    }
}
