#!/usr/bin/env python3
"""Side-by-side benchmarks of berthd and containerd (Debian's package) on this machine.

Each scenario runs for both daemons interleaved (A B A B ...) over several rounds, each daemon on its own
temporary root, state dir and socket, driven by the same stock `ctr`. Reports median, spread and the
berth/containerd ratio as Markdown and JSON under bench/results/.

Scenarios so far: content ingest and read of a large random blob (with `dd` to the same disk as the
physical limit), and import+unpack of a busybox image archive. More land with the issues they measure.
"""
import argparse, json, os, shutil, statistics, subprocess, sys, tempfile, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(cmd, **kw):
    return subprocess.run(cmd, check=True, **kw)


class Daemon:
    def __init__(self, kind, berthd):
        self.kind = kind
        self.dir = tempfile.mkdtemp(prefix=f"bench-{kind}-", dir="/tmp")
        self.socket = f"{self.dir}/d.sock"
        log = open(f"{self.dir}/log", "w")
        if kind == "berth":
            cmd = [berthd, "--root", f"{self.dir}/root", "--state", f"{self.dir}/state", "--address", self.socket]
        else:
            with open(f"{self.dir}/config.toml", "w") as f:
                f.write(f'version = 2\nroot = "{self.dir}/root"\nstate = "{self.dir}/state"\n'
                        f'disabled_plugins = ["io.containerd.grpc.v1.cri"]\n[grpc]\naddress = "{self.socket}"\n'
                        f'[plugins."io.containerd.internal.v1.opt"]\npath = "{self.dir}/opt"\n')
            cmd = ["containerd", "--config", f"{self.dir}/config.toml"]
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log)
        for _ in range(400):
            if subprocess.run(["ctr", "--address", self.socket, "version"], capture_output=True).returncode == 0:
                break
            time.sleep(0.05)
        else:
            raise RuntimeError(f"{kind} did not start")
        time.sleep(0.3)  # both collect garbage once shortly after start

    def ctr(self, *args, **kw):
        return run(["ctr", "--address", self.socket, *args], **kw)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)
        subprocess.run(["umount", "-R", f"{self.dir}/root"], capture_output=True)
        shutil.rmtree(self.dir, ignore_errors=True)


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def make_blob(path, mib):
    run(["dd", "if=/dev/urandom", f"of={path}", "bs=1M", f"count={mib}", "status=none"])
    return "sha256:" + run(["sha256sum", path], capture_output=True, text=True).stdout.split()[0]


def make_busybox_archive(work):
    layout, bundle, archive = f"{work}/oci", f"{work}/bundle", f"{work}/busybox.tar"
    run(["umoci", "init", "--layout", layout], capture_output=True)
    run(["umoci", "new", "--image", f"{layout}:latest"])
    run(["umoci", "unpack", "--image", f"{layout}:latest", bundle], capture_output=True)
    shutil.copy("/bin/busybox", f"{bundle}/rootfs/busybox")
    run(["umoci", "repack", "--image", f"{layout}:latest", bundle])
    run(["skopeo", "copy", "-q", f"oci:{layout}:latest", f"oci-archive:{archive}:docker.io/library/bench:latest"])
    return archive


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--blob-mib", type=int, default=1024)
    parser.add_argument("--berthd", default=f"{ROOT}/.build/release/berthd")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="bench-work-", dir="/tmp")
    results = {}
    try:
        blob = f"{work}/blob"
        digest = make_blob(blob, args.blob_mib)
        archive = make_busybox_archive(work)

        def scenario(name, body):
            for _ in range(args.rounds):
                for kind in ("berth", "containerd"):
                    daemon = Daemon(kind, args.berthd)
                    try:
                        results.setdefault(name, {}).setdefault(kind, []).append(body(daemon))
                    finally:
                        daemon.stop()
            print(f"{name}: {results[name]}", file=sys.stderr)

        def ingest(d):
            with open(blob, "rb") as f:
                return timed(lambda: d.ctr("content", "ingest", "--expected-size", str(args.blob_mib << 20),
                                           "--expected-digest", digest, "bench", stdin=f))

        def read(d):
            ingest(d)
            return timed(lambda: d.ctr("content", "get", digest, stdout=subprocess.DEVNULL))

        def import_unpack(d):
            return timed(lambda: d.ctr("images", "import", archive, stdout=subprocess.DEVNULL))

        scenario(f"content ingest {args.blob_mib} MiB", ingest)
        scenario(f"content get {args.blob_mib} MiB", read)
        scenario("import + unpack busybox", import_unpack)
        dd = [timed(lambda: run(["dd", f"if={blob}", f"of={work}/dd", "bs=1M", "conv=fsync", "status=none"]))
              for _ in range(args.rounds)]
    finally:
        shutil.rmtree(work, ignore_errors=True)

    os.makedirs(f"{ROOT}/bench/results", exist_ok=True)
    lines = ["| scenario | berth median s | containerd median s | ratio berth/containerd | spread berth | spread containerd |",
             "| --- | --- | --- | --- | --- | --- |"]
    summary = {}
    for name, by_kind in results.items():
        b, c = statistics.median(by_kind["berth"]), statistics.median(by_kind["containerd"])
        spread = lambda xs: f"{min(xs):.3f}-{max(xs):.3f}"
        lines.append(f"| {name} | {b:.3f} | {c:.3f} | {b / c:.2f} | {spread(by_kind['berth'])} | {spread(by_kind['containerd'])} |")
        summary[name] = {"berth": by_kind["berth"], "containerd": by_kind["containerd"], "ratio": b / c}
    lines.append(f"\n`dd` of the same blob with fsync (the disk's limit): median {statistics.median(dd):.3f} s")
    summary["dd"] = dd
    stamp = time.strftime("%Y%m%d-%H%M%S")
    with open(f"{ROOT}/bench/results/{stamp}.md", "w") as f:
        f.write("\n".join(lines) + "\n")
    with open(f"{ROOT}/bench/results/{stamp}.json", "w") as f:
        json.dump(summary, f, indent=2)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
