/// A line of /etc/group (name:password:gid:member,member), parsed as runc's libcontainer/user does.
struct GroupEntry: Equatable {
    var name = ""
    var gid = 0
    var members: [String] = []

    static func parse(_ bytes: [UInt8]) -> [GroupEntry] {
        AccountsFile.lines(bytes, skippingComments: true).map { fields in
            let list = AccountsFile.field(fields, 3)
            return GroupEntry(
                name: AccountsFile.field(fields, 0), gid: AccountsFile.number(fields, 2),
                members: list.isEmpty ? [] : list.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
        }
    }
}
