#!/usr/bin/env python3
"""Writes the hostile members of Berth's regression corpus (Tests/Corpus/<target>/<name>).

Each file is one input. Its name starts with what the replay test demands of it:
  reject-   the parser refuses it (a BerthError, or the format's own parse error);
  accept-   the parser accepts it;
  either-   either, as long as nothing traps, hangs or lands outside the target.
Inputs that once broke a parser are added by hand, named after what they broke. Re-running this script
rewrites the generated files byte for byte (fixed mtimes, no gzip timestamps)."""
import gzip
import io
import os
import tarfile

HERE = os.path.dirname(os.path.abspath(__file__))
VICTIM = "/tmp/berth-corpus-victim"  # the replay test creates it and checks it is untouched


def write(target, name, data):
    os.makedirs(os.path.join(HERE, target), exist_ok=True)
    with open(os.path.join(HERE, target, name), "wb") as f:
        f.write(data)


def tar(members, fmt=tarfile.USTAR_FORMAT):
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w", format=fmt) as t:
        for name, kind, payload in members:
            info = tarfile.TarInfo(name)
            info.mtime = 1_700_000_000
            info.type = kind
            if kind in (tarfile.SYMTYPE, tarfile.LNKTYPE):
                info.linkname = payload
                t.addfile(info)
            elif kind == tarfile.DIRTYPE:
                info.mode = 0o777
                t.addfile(info)
            elif kind == tarfile.CHRTYPE:
                info.devmajor, info.devminor = payload
                t.addfile(info)
            else:
                info.size = len(payload)
                t.addfile(info, io.BytesIO(payload))
    return out.getvalue()


def gz(data):
    return gzip.compress(data, mtime=0)


F, D, S, H, C = tarfile.REGTYPE, tarfile.DIRTYPE, tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE
layers = {
    # Names that climb out of the root.
    "reject-dotdot.tar.gz": [("../escaped", F, b"x")],
    "reject-nested-dotdot.tar.gz": [("a/../../escaped", F, b"x")],
    # A directory symlink to outside, then a file through it.
    "reject-symlink-parent-absolute.tar.gz": [("a", S, "/tmp"), ("a/escaped", F, b"x")],
    "reject-symlink-parent-relative.tar.gz": [("a", S, "../.."), ("a/escaped", F, b"x")],
    "reject-symlink-chain-parent.tar.gz": [("a", S, "b"), ("b", S, "../../tmp"), ("a/escaped", F, b"x")],
    # A hard link to a file outside the root.
    "reject-hardlink-out.tar.gz": [("h", H, "../outside")],
    "reject-hardlink-absolute.tar.gz": [("h", H, VICTIM)],
    "reject-hardlink-through-symlink.tar.gz": [("d", S, "/tmp"), ("h", H, "d/berth-corpus-victim")],
    # Whiteouts that would name the root or its parent.
    "reject-whiteout-nameless.tar.gz": [(".wh.", F, b"")],
    "reject-whiteout-parent.tar.gz": [("d/.wh...", F, b"")],
    # A file where a symlink to the victim stood: the link is replaced, the victim untouched.
    "accept-file-over-symlink.tar.gz": [("a", S, VICTIM), ("a", F, b"overwritten")],
    # A directory where a symlink to /tmp stood: the link is replaced, nothing lands in /tmp.
    "either-directory-over-symlink.tar.gz": [("d", S, "/tmp"), ("d", D, None), ("d/escaped", F, b"x")],
    # A whiteout under a symlink to /tmp: a no-op, not a removal in /tmp.
    "accept-whiteout-under-symlink.tar.gz": [("a", S, "/tmp"), ("a/.wh.berth-corpus-victim", F, b"")],
    # Absolute member names are taken relative to the root, or refused.
    "either-absolute-name.tar.gz": [("/berth-corpus-absolute", F, b"x")],
    # A hard link to a symlink that points out, then a file written at the link's name.
    "either-hardlink-to-outbound-symlink.tar.gz": [("l", S, VICTIM), ("h", H, "l"), ("h", F, b"x")],
    # Device nodes and odd names.
    "either-char-device.tar.gz": [("dev/null", C, (1, 3))],
    "either-invalid-utf8-name.tar.gz": [("bad-\udcff\udcfe-name", F, b"x")],
}
for name, members in layers.items():
    fmt = tarfile.PAX_FORMAT if "utf8" in name else tarfile.USTAR_FORMAT
    try:
        write("layers", name, gz(tar(members, fmt)))
    except UnicodeEncodeError:
        write("layers", name, gz(tar(members, tarfile.GNU_FORMAT)))
# A path longer than PATH_MAX, in a pax header.
write("layers", "either-pax-path-over-path-max.tar.gz",
      gz(tar([("/".join(["d" * 200] * 25) + "/f", F, b"x")], tarfile.PAX_FORMAT)))
# 64 MiB of zeros in 64 KiB: past the replay's 16 MiB decompression limit.
write("layers", "reject-decompression-bomb.tar.gz", gz(tar([("zeros", F, bytes(64 << 20))])))
# What crashed berthd once: a layer libarchive cannot open made DecompressedStream free its archive twice.
write("layers", "reject-empty-crashed-double-free", b"")
write("layers", "reject-cut-gzip-crashed-double-free", gz(tar([("dir/file", F, b"hello")]))[:100])

digest = "sha256:" + "ab" * 32
# The second word names the decoder that must decide (manifest, index, config); "document": all of them.
oci = {
    "reject-document-deep-array.json": "[" * 10_000,
    "reject-document-deep-object.json": '{"a":' * 10_000,
    "reject-document-deep-closed-array.json": "[" * 10_000 + "]" * 10_000,
    "reject-manifest-layers-not-array.json": '{"schemaVersion":2,"config":{"mediaType":"m","digest":"%s","size":1},"layers":{}}' % digest,
    "reject-manifest-size-string.json": '{"schemaVersion":2,"config":{"mediaType":"m","digest":"%s","size":"1"},"layers":[]}' % digest,
    "reject-manifest-size-overflow.json": '{"schemaVersion":2,"config":{"mediaType":"m","digest":"%s","size":1e400},"layers":[]}' % digest,
    "reject-document-truncated.json": '{"schemaVersion":2,"manifests":[{"digest":"%s"' % digest,
    "accept-manifest-unknown-fields.json": '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","x":{"y":[1,2,{}]},"config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"%s","size":2},"layers":[]}' % digest,
    "either-index-bad-child-digest.json": '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:../../etc/passwd","size":5}]}',
    "either-index-negative-size.json": '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"%s","size":-5}]}' % digest,
    "either-config-huge-env.json": '{"architecture":"amd64","os":"linux","config":{"Env":[%s]},"rootfs":{"type":"layers","diff_ids":[]}}' % ",".join(['"A=%d"' % i for i in range(2000)]),
}
for name, text in oci.items():
    write("oci", name, text.encode())
write("oci", "reject-manifest-invalid-utf8.json", b'{"schemaVersion":2,"mediaType":"\xff\xfe","layers":[]}')

references = {
    "reject-empty": "",
    "reject-uppercase-repository": "docker.io/Library/Busybox",
    "reject-double-colon": "busybox::latest",
    "reject-bad-digest": "busybox@sha256:xyz",
    "reject-nul": "busy\0box",
    "reject-long-tag": "a:" + "1" * 200,
    "reject-long-dots": "a." * 20_000 + "!",
    "accept-localhost-port": "localhost:5000/a/b-c_d.e:v1.2",
    "accept-tag-and-digest": "ghcr.io/org/img:tag@sha256:" + "ab" * 32,
}
for name, text in references.items():
    write("references", name, text.encode())
write("references", "reject-invalid-utf8", b"busy\xffbox:latest")

toml = {
    # What toml++ (behind TOMLKit) aborted berthd on.
    "reject-table-header-paren-aborted-tomlplusplus.toml": "[(",
    "reject-unterminated-string.toml": 'a = "abc',
    "reject-duplicate-key.toml": "a = 1\na = 2\n",
    "reject-table-redefined.toml": "[a]\nb = 1\n[a]\nc = 2\n",
    "reject-deep-arrays.toml": "a = " + "[" * 10_000,
    "reject-deep-inline-tables.toml": "a = " + "{a=" * 10_000,
    "reject-bad-escape.toml": 'a = "\\q"\n',
    "accept-dotted-keys-and-arrays.toml": 'a.b.c = [1, "x", {d = true}]\n[[t]]\ne = 1979-05-27T07:32:00Z\n',
}
for name, text in toml.items():
    write("toml", name, text.encode())
# Repaired to U+FFFD by the String the parser takes; valid TOML after that.
write("toml", "either-invalid-utf8.toml", b'a = "\xff"\n')


def frame(stream, kind, payload, length=None, flags=0):
    """A ttrpc frame: 4-byte length, 4-byte stream id, type, flags (all big-endian), then the payload."""
    size = len(payload) if length is None else length
    return size.to_bytes(4, "big") + stream.to_bytes(4, "big") + bytes([kind, flags]) + payload


# The daemon's ttrpc server must answer or hang up on each, and go on serving.
ttrpc = {
    "either-length-4gib-header-only": frame(1, 1, b"", length=0xFFFF_FFFF),
    "either-length-over-limit": frame(1, 1, b"\x0a\x01x", length=5 << 20),
    "either-header-cut-short": frame(1, 1, b"")[:7],
    "either-request-garbage-protobuf": frame(1, 1, b"\xff" * 32),
    "either-request-unknown-service": frame(1, 1, b"\x0a\x07nowhere\x12\x01m"),
    "either-unknown-frame-type": frame(1, 9, b"\x0a\x01x"),
    "either-stream-zero": frame(0, 1, b"\x0a\x01x"),
    "either-even-stream-id": frame(2, 1, b"\x0a\x01x"),
    "either-response-from-client": frame(1, 2, b"\x0a\x00"),
    "either-same-stream-twice": frame(1, 1, b"\x0a\x01x") * 2,
}
for name, data in ttrpc.items():
    write("ttrpc", name, data)
