#!/usr/bin/env python3
"""Instructions berthd spends per `ctr run --rm`, counted by callgrind (all threads): the whole sequence of
RPCs, shim calls, bundle work and collection that a run costs the daemon, without the noise of wall time.

    sudo bench/run_cost.py [--berthd PATH] [--runs N] [--keep DIR]

Starts a stripped copy of berthd under callgrind on a temp root, imports a one-layer busybox image built from
busybox-static, makes two warm-up runs with the stock shim, zeroes the counters, makes --runs runs and prints
the instructions per run; --keep copies the callgrind file for callgrind_annotate. Needs root, valgrind,
runc, ctr and busybox-static.
"""
import argparse, glob, hashlib, io, json, os, shutil, subprocess, tarfile, tempfile, time

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
    if not shutil.which("valgrind"):
        subprocess.run(["apt-get", "install", "-y", "-qq", "valgrind"], check=True)
    work = tempfile.mkdtemp(prefix="run-cost-", dir="/tmp")
    binary, socket = f"{work}/berthd", f"{work}/d.sock"
    subprocess.run(["strip", "-g", "-o", binary, args.berthd], check=True)
    busybox_archive(f"{work}/image.tar")
    proc = subprocess.Popen(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work}/cg.%p", binary,
         "--root", f"{work}/root", "--state", f"{work}/state", "--address", socket],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctr = ["ctr", "--address", socket, "--namespace", "run-cost"]
    try:
        deadline = time.time() + 300
        while subprocess.run(ctr + ["version"], capture_output=True).returncode != 0:
            if proc.poll() is not None or time.time() > deadline:
                raise SystemExit("berthd did not start under valgrind")
            time.sleep(1)
        subprocess.run(ctr + ["images", "import", f"{work}/image.tar"], check=True, capture_output=True, timeout=600)
        run = lambda name: subprocess.run(ctr + ["run", "--rm", IMAGE, name, "true"], check=True,
                                          capture_output=True, timeout=600)
        for index in range(2):
            run(f"warm-{index}")
        subprocess.run(["callgrind_control", "-z", str(proc.pid)], capture_output=True, check=True)
        for index in range(args.runs):
            run(f"run-{index}")
        for path in glob.glob(f"{work}/cg.*"):
            os.remove(path)
        subprocess.run(["callgrind_control", "-d", str(proc.pid)], capture_output=True, check=True)
        time.sleep(2)
        total = 0
        for path in glob.glob(f"{work}/cg.*"):
            with open(path) as f:
                total = max([total] + [int(line.split()[1]) for line in f if line.startswith(("summary:", "totals:"))])
            if args.keep:
                os.makedirs(args.keep, exist_ok=True)
                shutil.copy(path, f"{args.keep}/run.callgrind")
        print(f"berthd {args.berthd}: {total / args.runs / 1e6:.1f}M instructions per ctr run --rm ({args.runs} runs)")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
        subprocess.run(["pkill", "-f", f"namespace run-cost .*{work}"], capture_output=True)
        subprocess.run(["bash", "-c", f"grep -o ' {work}[^ ]*' /proc/mounts | sort -r | xargs -r umount -l"],
                       capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
