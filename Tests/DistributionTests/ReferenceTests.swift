import BerthCore
import Testing

@testable import Distribution

@Suite struct ReferenceTests {
    static let hex64 = String(repeating: "f", count: 64)

    /// input, normalized string, domain, path, tag, digest
    static let valid: [(String, String, String, String, String?, String?)] = [
        ("alpine", "docker.io/library/alpine:latest", "docker.io", "library/alpine", "latest", nil),
        ("debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", nil),
        ("library/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", nil),
        ("docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker", "latest", nil),
        ("docker.io/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", nil),
        ("index.docker.io/docker/docker", "docker.io/docker/docker:latest", "docker.io", "docker/docker", "latest", nil),
        ("index.docker.io/debian", "docker.io/library/debian:latest", "docker.io", "library/debian", "latest", nil),
        ("127.0.0.1:5000/docker/docker", "127.0.0.1:5000/docker/docker:latest", "127.0.0.1:5000", "docker/docker", "latest", nil),
        ("127.0.0.1:5000/debian", "127.0.0.1:5000/debian:latest", "127.0.0.1:5000", "debian", "latest", nil),
        ("localhost/foo", "localhost/foo:latest", "localhost", "foo", "latest", nil),
        ("localhost:5000/foo:bar", "localhost:5000/foo:bar", "localhost:5000", "foo", "bar", nil),
        ("host:5000/a/b:tag", "host:5000/a/b:tag", "host:5000", "a/b", "tag", nil),
        ("test.com:tag", "docker.io/library/test.com:tag", "docker.io", "library/test.com", "tag", nil),
        ("test.com:5000", "docker.io/library/test.com:5000", "docker.io", "library/test.com", "5000", nil),
        ("test.com/repo:tag", "test.com/repo:tag", "test.com", "repo", "tag", nil),
        ("test:5000/repo", "test:5000/repo:latest", "test:5000", "repo", "latest", nil),
        ("test:5000/repo@sha256:\(hex64)", "test:5000/repo@sha256:\(hex64)", "test:5000", "repo", nil, "sha256:\(hex64)"),
        ("test:5000/repo:tag@sha256:\(hex64)", "test:5000/repo:tag@sha256:\(hex64)", "test:5000", "repo", "tag", "sha256:\(hex64)"),
        ("repo@sha256:\(hex64)", "docker.io/library/repo@sha256:\(hex64)", "docker.io", "library/repo", nil, "sha256:\(hex64)"),
        ("lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", "docker.io", "library/lowercase", "Uppercase", nil),
        ("sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com/bar/baz/quux:some-long-tag", "sub-dom1.foo.com", "bar/baz/quux", "some-long-tag", nil),
        ("b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io/test.example.com/my-app:test.example.com", "b.gcr.io", "test.example.com/my-app", "test.example.com", nil),
        ("xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com/myimage:xn--n3h.com", "xn--n3h.com", "myimage", "xn--n3h.com", nil),
        ("foo_bar.com:8080", "docker.io/library/foo_bar.com:8080", "docker.io", "library/foo_bar.com", "8080", nil),
        ("foo/foo_bar.com:8080", "docker.io/foo/foo_bar.com:8080", "docker.io", "foo/foo_bar.com", "8080", nil),
        ("192.168.1.1:5000/repo:5000", "192.168.1.1:5000/repo:5000", "192.168.1.1:5000", "repo", "5000", nil),
        ("a/b__c/d-e--f/g.h", "docker.io/a/b__c/d-e--f/g.h:latest", "docker.io", "a/b__c/d-e--f/g.h", "latest", nil),
        ("Example.com/foo", "Example.com/foo:latest", "Example.com", "foo", "latest", nil),
        ("thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "docker.io/library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev:latest", "docker.io", "library/thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev", "latest", nil),
    ]

    @Test(arguments: valid.indices)
    func parsesAndNormalizes(_ index: Int) throws {
        let (input, normalized, domain, path, tag, digest) = Self.valid[index]
        let reference = try Reference(parsing: input)
        #expect(reference.string == normalized)
        #expect(reference.domain == domain)
        #expect(reference.path == path)
        #expect(reference.tag == tag)
        #expect(reference.digest?.description == digest)
        // Normalizing is idempotent.
        #expect(try Reference(parsing: normalized) == reference)
    }

    /// input, fragment of the error message
    static let invalid: [(String, String)] = [
        ("", "at least one component"),
        ("https://github.com/docker/docker", "invalid reference format"),
        ("docker/Docker", "must be lowercase"),
        ("-docker", "invalid reference format"),
        ("-docker/docker", "invalid reference format"),
        ("-docker.io/docker/docker", "invalid reference format"),
        ("docker///docker", "invalid reference format"),
        ("docker.io/docker/Docker", "must be lowercase"),
        ("docker.io/docker///docker", "invalid reference format"),
        ("1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a", "64-byte hexadecimal"),
        (":justtag", "invalid reference format"),
        ("@sha256:\(hex64)", "invalid reference format"),
        ("validname@invaliddigest:\(hex64)", "unsupported digest algorithm"),
        ("repo@sha256:ffff", "invalid reference format"),
        ("repo@sha256:\(String(repeating: "f", count: 63))", "invalid checksum digest length"),
        ("Uppercase:tag", "must be lowercase"),
        ("test:5000/Uppercase/lowercase:tag", "must be lowercase"),
        (String(repeating: "a/", count: 128) + "a:tag", "not be more than 255 characters"),
        ("aa/asdf$$^/aa", "invalid reference format"),
        ("a^a", "invalid reference format"),
        ("[2001:db8::1]/repo", "invalid reference format"),
        ("repo:" + String(repeating: "t", count: 129), "invalid reference format"),
        ("repo:-tag", "invalid reference format"),
        ("a/b..c", "invalid reference format"),
        ("a/b_-c", "invalid reference format"),
        ("a/b___c", "invalid reference format"),
        ("foo.com:abc/bar", "invalid reference format"),
        ("foo.com:/bar", "invalid reference format"),
    ]

    @Test(arguments: invalid.indices)
    func rejectsWithAReason(_ index: Int) {
        let (input, fragment) = Self.invalid[index]
        do {
            let parsed = try Reference(parsing: input)
            Issue.record("\(input) parsed as \(parsed)")
        } catch let error as BerthError {
            #expect(error.kind == .invalidArgument)
            #expect(error.message.contains(fragment), "\(input): \(error.message)")
            #expect(error.message.contains("invalid reference"), "\(error.message)")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func familiarNames() throws {
        #expect(try Reference(parsing: "alpine").familiarName == "alpine")
        #expect(try Reference(parsing: "alpine").familiarString == "alpine:latest")
        #expect(try Reference(parsing: "docker.io/library/a/b").familiarName == "library/a/b")
        #expect(try Reference(parsing: "docker/docker:1").familiarString == "docker/docker:1")
        #expect(try Reference(parsing: "localhost:5000/x").familiarName == "localhost:5000/x")
    }

    @Test func objectPrefersTheDigest() throws {
        let pinned = try Reference(parsing: "x.io/a:tag@sha256:\(Self.hex64)")
        #expect(pinned.object == "sha256:\(Self.hex64)")
        #expect(try Reference(parsing: "x.io/a").object == "latest")
        let retagged = try pinned.withTag("v2")
        #expect(retagged.string == "x.io/a:v2")
        #expect(retagged.withDigest(try Digest(parsing: "sha256:\(Self.hex64)")).string == "x.io/a:v2@sha256:\(Self.hex64)")
    }

    @Test func longestNameIsAllowed() throws {
        // 255 characters of name in all: "docker.io/" (10) plus a 245-character path.
        let path = String(repeating: "a/", count: 122) + "a"
        #expect(try Reference(parsing: "docker.io/" + path).name.count == 255)
        #expect(throws: BerthError.self) { try Reference(parsing: "docker.io/" + path + "a") }
    }
}
