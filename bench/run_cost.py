#!/usr/bin/env python3
"""Instructions berthd spends per `ctr run --rm`, counted by callgrind (all threads): the whole sequence of
RPCs, shim calls, bundle work and collection that a run costs the daemon, without the noise of wall time.

    sudo bench/run_cost.py [--berthd PATH] [--runs N] [--keep DIR]

Starts a stripped copy of berthd under callgrind on a temp root, imports a one-layer busybox image built from
busybox-static, makes two warm-up runs with the stock shim, zeroes the counters, makes --runs runs and prints
the instructions per run; --keep copies the callgrind file for callgrind_annotate. Needs root, valgrind,
runc, ctr and busybox-static.
"""
import argparse, hashlib, io, json, os, subprocess, sys, tarfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from callgrind_berthd import CallgrindBerthd  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
IMAGE = "docker.io/bench/run-cost:latest"


def busybox_archive(path):
    """A docker-archive of one layer holding /bin/busybox and its applet links for `true`."""
    layer = io.BytesIO()
    with tarfile.open(fileobj=layer, mode="w") as tar:
        tar.add("/bin/busybox", arcname="bin/busybox")
        link = tarfile.TarInfo("bin/true")
        link.type, link.linkname = tarfile.SYMTYPE, "busybox"
        tar.addfile(link)
    layer_bytes = layer.getvalue()
    diff_id = "sha256:" + hashlib.sha256(layer_bytes).hexdigest()
    config = json.dumps({"architecture": "amd64", "os": "linux", "config": {"Cmd": ["true"]},
                         "rootfs": {"type": "layers", "diff_ids": [diff_id]}}).encode()
    config_name = hashlib.sha256(config).hexdigest() + ".json"
    manifest = json.dumps([{"Config": config_name, "RepoTags": [IMAGE.split("/", 1)[1]], "Layers": ["layer.tar"]}]).encode()
    with tarfile.open(path, "w") as archive:
        for name, data in (("layer.tar", layer_bytes), (config_name, config), ("manifest.json", manifest)):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--berthd", default=f"{ROOT}/.build-release/release/berthd")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--keep")
    args = parser.parse_args()
    berthd = CallgrindBerthd(args.berthd, "run-cost-")
    ctr = ["ctr", "--address", berthd.socket, "--namespace", "run-cost"]
    try:
        busybox_archive(f"{berthd.work}/image.tar")
        subprocess.run(ctr + ["images", "import", f"{berthd.work}/image.tar"], check=True, capture_output=True,
                       timeout=600)
        run = lambda name: subprocess.run(ctr + ["run", "--rm", IMAGE, name, "true"], check=True,
                                          capture_output=True, timeout=600)
        for index in range(2):
            run(f"warm-{index}")
        berthd.zero()
        for index in range(args.runs):
            run(f"run-{index}")
        total = berthd.dump(f"{args.keep}/run.callgrind" if args.keep else None)
        print(f"berthd {args.berthd}: {total / args.runs / 1e6:.1f}M instructions per ctr run --rm ({args.runs} runs)")
    finally:
        berthd.close()


if __name__ == "__main__":
    main()
