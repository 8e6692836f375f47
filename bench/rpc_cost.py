#!/usr/bin/env python3
"""Instructions berthd spends per small RPC, counted by callgrind: deterministic where wall time on a
2-core VM is not, so a change to the transport or a handler can be judged from one run.

    sudo bench/rpc_cost.py [--berthd PATH] [--calls N]

Starts berthd (stripped copy: valgrind cannot read Swift's debug info) under callgrind on a temp root,
ingests a 1 MiB blob, prepares a snapshot and creates a container (with `ctr oci spec`'s default spec), then
for Version, Content/Info, Snapshots/Stat, Snapshots/Mounts, Containers/Get and Content/Read (32 KiB) makes
--calls calls with grpcio after a warm-up, zeroing the counters before and dumping them after; --keep DIR
keeps each call's callgrind file for callgrind_annotate. It needs root,
valgrind (installed with apt if missing) and grpcio (installed into bench/work/venv).
"""
import argparse, hashlib, os, subprocess, sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_berthd import CallgrindBerthd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
VENV = f"{ROOT}/bench/work/venv"


def ensure_tools():
    if not os.path.exists(f"{VENV}/bin/python"):
        subprocess.run([sys.executable, "-m", "venv", VENV], check=True)
        subprocess.run([f"{VENV}/bin/pip", "install", "-q", "grpcio"], check=True)
    if sys.prefix != VENV:  # rerun inside the venv, where grpcio is
        os.execv(f"{VENV}/bin/python", [f"{VENV}/bin/python", *sys.argv])


def varint(value):
    out = bytearray()
    while True:
        out.append(value & 0x7F | (0x80 if value > 0x7F else 0))
        value >>= 7
        if not value:
            return bytes(out)


def field(number, value):
    data = value.encode() if isinstance(value, str) else value
    return varint(number << 3 | 2) + varint(len(data)) + data


def container_request(spec):
    """containers.v1.CreateContainerRequest for container "rpc-cost" on snapshot "rpc-cost"."""
    any_spec = field(1, "types.containerd.io/opencontainers/runtime-spec/1/Spec") + field(2, spec)
    container = (field(1, "rpc-cost") + field(3, "docker.io/library/rpc-cost:latest")
                 + field(4, field(1, "io.containerd.runc.v2")) + field(5, any_spec)
                 + field(6, "overlayfs") + field(7, "rpc-cost"))
    return field(1, container)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berthd", default=f"{ROOT}/.build/release/berthd")
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--keep", help="copy each call's callgrind output here")
    args = parser.parse_args()
    ensure_tools()
    import grpc

    berthd = CallgrindBerthd(args.berthd, "rpc-cost-")
    socket = berthd.socket
    try:
        blob = os.urandom(1 << 20)
        digest = "sha256:" + hashlib.sha256(blob).hexdigest()
        subprocess.run(["ctr", "--address", socket, "content", "ingest", "--expected-digest", digest, "rpc-cost"],
                       input=blob, check=True, timeout=300)
        subprocess.run(["ctr", "--address", socket, "snapshots", "prepare", "rpc-cost", ""], check=True, timeout=300,
                       capture_output=True)
        spec = subprocess.run(["ctr", "oci", "spec"], check=True, capture_output=True).stdout
        channel = grpc.insecure_channel(f"unix://{socket}")
        metadata = (("containerd-namespace", "default"),)
        same = lambda data: data  # raw protobuf bytes both ways
        channel.unary_unary("/containerd.services.containers.v1.Containers/Create", same, same)(
            container_request(spec), metadata=metadata)
        calls = [
            ("Version", channel.unary_unary("/containerd.services.version.v1.Version/Version", same, same), b""),
            ("Content/Info", channel.unary_unary("/containerd.services.content.v1.Content/Info", same, same),
             field(1, digest)),
            ("Snapshots/Stat", channel.unary_unary("/containerd.services.snapshots.v1.Snapshots/Stat", same, same),
             field(1, "overlayfs") + field(2, "rpc-cost")),
            ("Snapshots/Mounts", channel.unary_unary("/containerd.services.snapshots.v1.Snapshots/Mounts", same, same),
             field(1, "overlayfs") + field(2, "rpc-cost")),
            ("Containers/Get", channel.unary_unary("/containerd.services.containers.v1.Containers/Get", same, same),
             field(1, "rpc-cost")),
            ("Content/Read 32 KiB", channel.unary_stream("/containerd.services.content.v1.Content/Read", same, same),
             field(1, digest) + b"\x18\x80\x80\x02"),
        ]
        print(f"berthd {args.berthd}: instructions per call, {args.calls} calls each")
        for name, call, request in calls:
            run = lambda: list(call(request, metadata=metadata)) if name.startswith("Content/Read") else call(
                request, metadata=metadata)
            for _ in range(30):
                run()
            berthd.zero()
            for _ in range(args.calls):
                run()
            keep = f"{args.keep}/{name.split()[0].replace('/', '-')}.callgrind" if args.keep else None
            total = berthd.dump(keep)
            print(f"  {name:22} {total / args.calls / 1000:8.1f} k")
    finally:
        berthd.close()


if __name__ == "__main__":
    main()
