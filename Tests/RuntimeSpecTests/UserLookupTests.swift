import Foundation
import Testing

@testable import RuntimeSpec

@Suite("Users and groups from the rootfs")
struct UserLookupTests {
    private func user(_ value: String, rootfs: TemporaryDirectory) throws -> Spec.User? {
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        try spec.apply(.user(value, rootfs: rootfs.url))
        return spec.process?.user
    }

    @Test("a name takes uid and gid from /etc/passwd; the primary gid leads additionalGids")
    func byName() throws {
        let rootfs = try accountsRootfs()
        #expect(try user("alice", rootfs: rootfs) == Spec.User(uid: 1000, gid: 1000, additionalGids: [1000]))
        #expect(try user("bob", rootfs: rootfs) == Spec.User(uid: 1001, gid: 100, additionalGids: [100]))  // line had leading blanks
    }

    @Test("numbers: a known uid takes its gid, an unknown one gets gid 0, uid:gid needs no lookup")
    func numeric() throws {
        let rootfs = try accountsRootfs()
        #expect(try user("1000", rootfs: rootfs) == Spec.User(uid: 1000, gid: 1000, additionalGids: [1000]))
        #expect(try user("4242", rootfs: rootfs) == Spec.User(uid: 4242, gid: 0, additionalGids: [0]))
        #expect(try user("1002", rootfs: rootfs) == Spec.User(uid: 1002, gid: 0, additionalGids: [0]))  // short line
        var spec = Spec()
        try spec.apply(.user("5:6"))  // no rootfs anywhere, and none needed
        #expect(spec.process?.user == Spec.User(uid: 5, gid: 6, additionalGids: [6]))
        try spec.apply(.user("7:"))
        #expect(spec.process?.user == Spec.User(uid: 7, gid: 0, additionalGids: [0]))
    }

    @Test("name:group, uid:group and name:gid")
    func pairs() throws {
        let rootfs = try accountsRootfs()
        #expect(try user("alice:audio", rootfs: rootfs) == Spec.User(uid: 1000, gid: 29, additionalGids: [29]))
        #expect(try user("33:wheel", rootfs: rootfs) == Spec.User(uid: 33, gid: 10, additionalGids: [10]))
        #expect(try user("bob:7", rootfs: rootfs) == Spec.User(uid: 1001, gid: 7, additionalGids: [7]))
    }

    @Test("a missing user or group is a clear error")
    func missing() throws {
        let rootfs = try accountsRootfs()
        #expect(throws: SpecError.noUsersFound(user: "mallory")) { try self.user("mallory", rootfs: rootfs) }
        #expect(throws: SpecError.noGroupsFound(group: "staff")) { try self.user("alice:staff", rootfs: rootfs) }
        #expect(SpecError.noUsersFound(user: "mallory").description == "unable to find user mallory: no users found")
        #expect(throws: SpecError.invalidUser("a:b:c")) { try self.user("a:b:c", rootfs: rootfs) }
        // A uid beyond Int32.max is taken as a name, as containerd does.
        #expect(throws: SpecError.noUsersFound(user: "4294967295")) { try self.user("4294967295", rootfs: rootfs) }
    }

    @Test("a named user without /etc/passwd fails with the open error; a uid does not")
    func noPasswd() throws {
        let empty = try TemporaryDirectory()
        #expect(try user("12", rootfs: empty) == Spec.User(uid: 12, gid: 0, additionalGids: [0]))
        do {
            _ = try user("alice", rootfs: empty)
            Issue.record("expected an error")
        } catch let error as SpecError {
            #expect(error.isNotExist)
            #expect(error.description == "open \(empty.path)/etc/passwd: No such file or directory")
        }
    }

    @Test("without an explicit rootfs, an absolute root.path is used, and a relative one is refused")
    func rootPathFallback() throws {
        let rootfs = try accountsRootfs()
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        #expect(throws: SpecError.rootfsPathRequired) { try spec.apply(.user("alice")) }
        try spec.apply(.rootFSPath(rootfs.path), .user("alice"))
        #expect(spec.process?.user.uid == 1000)
    }

    @Test("supplementary groups come from /etc/group membership, without the user's own group")
    func supplementaryGroups() throws {
        let rootfs = try accountsRootfs()
        var spec = DefaultSpec.linux(namespace: "default", containerID: "c")
        try spec.apply(.user("alice", rootfs: rootfs.url), .additionalGIDs(of: "1000", rootfs: rootfs.url))
        #expect(spec.process?.user.additionalGids == [1000, 10, 100])
        try spec.apply(.additionalGIDs(of: "bob", rootfs: rootfs.url))
        #expect(spec.process?.user.additionalGids == [1000, 100, 29])
        try spec.apply(.additionalGIDs(of: "4242", rootfs: rootfs.url))  // no such uid: only the primary gid
        #expect(spec.process?.user.additionalGids == [1000])
    }

    @Test("a symlinked /etc/passwd pointing outside the rootfs is resolved inside it, never read from the host")
    func symlinkEscape() throws {
        let host = try TemporaryDirectory()
        let outside = try host.write("passwd", "mallory:x:0:0::/root:/bin/sh\n")
        let rootfs = try TemporaryDirectory()
        try rootfs.symlink("etc/passwd", to: outside.path)
        #expect(throws: SpecError.self) { try self.user("mallory", rootfs: rootfs) }
        // The uid lookup finds no file inside the rootfs, so gid 0, not the host file's.
        try host.write("passwd", "mallory:x:77:77::/root:/bin/sh\n")
        #expect(try user("77", rootfs: rootfs)?.gid == 0)

        let relative = try TemporaryDirectory()
        try relative.symlink("etc/passwd", to: "../../../../../../../../.." + outside.path)
        #expect(throws: SpecError.self) { try self.user("mallory", rootfs: relative) }

        // The same link target, present inside the rootfs, is what is read.
        try rootfs.write(String(outside.path.dropFirst()), "mallory:x:5:6::/:/bin/sh\n")
        #expect(try user("mallory", rootfs: rootfs) == Spec.User(uid: 5, gid: 6, additionalGids: [6]))
    }

    @Test("/etc/passwd that is not a regular file is refused instead of read")
    func notRegular() throws {
        let rootfs = try TemporaryDirectory()
        try FileManager.default.createDirectory(at: rootfs.url.appendingPathComponent("etc"), withIntermediateDirectories: true)
        #expect(mkfifo(rootfs.path + "/etc/passwd", 0o644) == 0)
        #expect(throws: SpecError.self) { try self.user("alice", rootfs: rootfs) }
    }
}
