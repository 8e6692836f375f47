"""The scenarios: what each measures, for which daemon and client, against which baseline row.

A scenario has metrics (what is reported) and rows (who is measured). Each row's body gets a fresh daemon
(or None for a baseline tool such as dd or tar) and the shared context, and returns {metric id: a value or
a list of values}, optionally with "notes": {metric id: [text]}. A row's ratios are its median divided by
the median of each of its baseline rows.
"""
import os, shutil, subprocess, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from daemons import CommandFailed, sh, smaps_rollup_kib, timed, unique_id

MIB = 1024.0


@dataclass
class Metric:
    id: str
    title: str
    unit: str
    targets: dict = field(default_factory=dict)  # baseline row name -> highest acceptable ratio


@dataclass
class Row:
    name: str
    daemon: str  # "berth", "containerd" or "" for a baseline tool run without a daemon
    body: object
    baselines: tuple = ()
    metrics: tuple = ()  # ids of the metrics this row measures; empty: all of the scenario's

    def measures(self, metric):
        return not self.metrics or metric.id in self.metrics


@dataclass
class Scenario:
    id: str
    summary: str
    metrics: list
    rows: list


CONTAINERD_CTR = "containerd ← ctr"
BERTHD_CTR = "berthd ← ctr"
BERTHD_BERTH = "berthd ← berth"
DD_DIRECT = "dd oflag=direct"
BERTHD_CTR_BERTH_SHIM = "berthd ← ctr, berth shim"


# --- helpers shared by bodies ---

def client_cmd(daemon, client, *args):
    return daemon.berth_cmd(*args) if client == "berth" else daemon.ctr_cmd(*args)


def pull(daemon, client, ref, timeout=1800):
    sh(client_cmd(daemon, client, "images", "pull", "--plain-http", ref), timeout=timeout)


def require_snapshots(daemon, at_least):
    """A pull must have unpacked: at least one committed snapshot per layer."""
    lines = sh(daemon.ctr_cmd("snapshots", "ls"), stdout=subprocess.PIPE).stdout.strip().splitlines()[1:]
    committed = [line for line in lines if "Committed" in line]
    if len(committed) < at_least:
        raise CommandFailed(f"expected >= {at_least} committed snapshots after the pull, found {len(committed)}")


def start_detached(daemon, ref, count, runtime_args=()):
    """Starts `count` containers concurrently with `ctr run -d ... sleep 3600`; returns (ids, seconds)."""
    ids = [unique_id("par") for _ in range(count)]
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=count) as pool:
        futures = [pool.submit(sh, daemon.ctr_cmd("run", "-d", "--null-io", *runtime_args, ref, cid, "sleep", "3600"), 120)
                   for cid in ids]
        errors = [str(f.exception()) for f in futures if f.exception()]
    elapsed = time.perf_counter() - start
    if errors:
        raise CommandFailed(f"{len(errors)} of {count} starts failed; first: {errors[0]}")
    running = sh(daemon.ctr_cmd("tasks", "ls"), stdout=subprocess.PIPE).stdout.count("RUNNING")
    if running != count:
        raise CommandFailed(f"{running} of {count} tasks RUNNING after start")
    return ids, elapsed


def tear_down(daemon, ids):
    """Per container, concurrently: kill the task and wait for it (`tasks rm -f`), then remove the container."""
    def one(cid):
        sh(daemon.ctr_cmd("tasks", "rm", "-f", cid), 120)
        sh(daemon.ctr_cmd("containers", "rm", cid), 120)
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=len(ids)) as pool:
        errors = [str(f.exception()) for f in [pool.submit(one, cid) for cid in ids] if f.exception()]
    elapsed = time.perf_counter() - start
    if errors:
        raise CommandFailed(f"{len(errors)} of {len(ids)} teardowns failed; first: {errors[0]}")
    return elapsed


# --- scenario bodies (factories close over the client and variant) ---

def pull_body(tag, client):
    def body(daemon, ctx):
        seconds = timed(lambda: pull(daemon, client, ctx.refs[tag]))
        require_snapshots(daemon, ctx.fixtures.describe(tag)["layers"])
        return {f"pull-{tag}": seconds}
    return body


def run_rm_body(client, runtime_args=()):
    def body(daemon, ctx):
        pull(daemon, "ctr", ctx.refs["busybox"])
        latencies = []
        for _ in range(ctx.runs):
            cmd = client_cmd(daemon, client, "run", "--rm", *runtime_args, ctx.refs["busybox"], unique_id("rm"), "true")
            latencies.append(timed(lambda: sh(cmd, timeout=120)))
        return {"run-rm": latencies}
    return body


def parallel_body(runtime_args=()):
    def body(daemon, ctx):
        pull(daemon, "ctr", ctx.refs["busybox"])
        ids, start_seconds = start_detached(daemon, ctx.refs["busybox"], ctx.containers, runtime_args)
        return {"parallel-start": start_seconds, "parallel-teardown": tear_down(daemon, ids)}
    return body


def memory_body(runtime_args=()):
    return lambda daemon, ctx: measure_memory(daemon, ctx, runtime_args)


def measure_memory(daemon, ctx, runtime_args):
    pull(daemon, "ctr", ctx.refs["busybox"])
    time.sleep(2)  # let the pull's transient buffers go
    idle = daemon.rss_kib() / MIB
    ids, _ = start_detached(daemon, ctx.refs["busybox"], ctx.containers, runtime_args)
    try:
        time.sleep(2)
        busy = daemon.rss_kib() / MIB
        shims = [smaps_rollup_kib(pid) for pid in daemon.shim_pids()]
        if not shims:
            raise CommandFailed("no shim process found for this daemon")
    finally:
        tear_down(daemon, ids)
    n = ctx.containers
    return {"rss-idle": idle, "rss-busy": busy,
            "shim-pss": sum(s["Pss"] for s in shims) / MIB / n, "shim-rss": sum(s["Rss"] for s in shims) / MIB / n,
            "notes": {"shim-pss": [f"{len(shims)} shim processes for {n} containers"]}}


def ingest_body(client):
    def body(daemon, ctx):
        with open(ctx.blob, "rb") as f:
            ingest = timed(lambda: sh(client_cmd(daemon, client, "content", "ingest", "--expected-size",
                                                 str(ctx.blob_size), "--expected-digest", ctx.blob_digest,
                                                 unique_id("bench")), stdin=f, timeout=1800))
        get = timed(lambda: sh(client_cmd(daemon, client, "content", "get", ctx.blob_digest), timeout=1800,
                               text=False))
        return {"ingest": ingest, "content-get": get}
    return body


def dd_body(*flags):
    """dd of the blob to the same disk: `conv=fsync` through the page cache (what a content store does, and
    the target's reference), `oflag=direct` around it (the disk alone: on a VM whose host reclaims guest memory,
    the cache's fresh pages cost more than the disk)."""
    def body(_, ctx):
        target = f"{ctx.work}/dd-{unique_id('out')}"
        try:
            return {"ingest": timed(lambda: sh(["dd", f"if={ctx.blob}", f"of={target}", "bs=1M", *flags,
                                                "status=none"], timeout=1800))}
        finally:
            os.remove(target)
    return body


def import_apply_body(daemon, ctx):
    """`images import --no-unpack` (content only), then `images mount`, which unpacks the layer (the apply)
    and mounts the snapshot; the mount itself takes a millisecond."""
    import_seconds = timed(lambda: daemon.ctr("images", "import", "--no-unpack", ctx.fixtures.go_archive,
                                              timeout=1800))
    target = tempfile.mkdtemp(prefix="mnt-", dir=daemon.dir)
    apply_seconds = timed(lambda: daemon.ctr("images", "mount", ctx.fixtures.go_image, target, timeout=1800))
    daemon.ctr("images", "unmount", target)
    require_snapshots(daemon, 1)
    return {"import": import_seconds, "apply": apply_seconds}


def tar_body(_, ctx):
    layer = ctx.fixtures.manifest("go")["layers"][0]["digest"]
    target = tempfile.mkdtemp(prefix="tar-", dir=ctx.work)
    try:
        return {"apply": timed(lambda: sh(["tar", "-xzf", ctx.fixtures.blob_path(layer), "-C", target],
                                          timeout=1800))}
    finally:
        shutil.rmtree(target, ignore_errors=True)


def all_scenarios(ctx):
    """The scenarios in run order; titles carry the sizes of this run."""
    large, go = ctx.fixtures.describe("large"), ctx.fixtures.describe("go")
    blob_mib = ctx.blob_size >> 20
    vs_containerd = (CONTAINERD_CTR,)
    crun = ("--runc-binary", "crun")
    # Berth's own shim (issue 10) against the stock containerd-shim-runc-v2, under the same berthd.
    berth_shim = ("--runtime", "io.containerd.berth.v1")
    return [
        Scenario("pull-large", "cold pull + unpack of the large image from the loopback registry",
                 [Metric("pull-large", f"pull + unpack large image ({large['layers']} layers, "
                                       f"{large['compressed_mib']:.0f} MiB gz)", "s", {CONTAINERD_CTR: 0.7})],
                 [Row(BERTHD_BERTH, "berth", pull_body("large", "berth"), vs_containerd),
                  Row(CONTAINERD_CTR, "containerd", pull_body("large", "ctr")),
                  Row(BERTHD_CTR, "berth", pull_body("large", "ctr"), vs_containerd)]),
        Scenario("pull-busybox", "cold pull + unpack of the busybox image",
                 [Metric("pull-busybox", "pull + unpack busybox", "s", {CONTAINERD_CTR: 0.7})],
                 [Row(BERTHD_BERTH, "berth", pull_body("busybox", "berth"), vs_containerd),
                  Row(CONTAINERD_CTR, "containerd", pull_body("busybox", "ctr")),
                  Row(BERTHD_CTR, "berth", pull_body("busybox", "ctr"), vs_containerd)]),
        Scenario("run-rm", f"`run --rm busybox true`, {ctx.runs} in a row; per-run latency",
                 [Metric("run-rm", f"run --rm true (per run, {ctx.runs}/round)", "s",
                         {CONTAINERD_CTR: 0.9})],
                 [Row(BERTHD_CTR, "berth", run_rm_body("ctr"), vs_containerd),
                  Row(CONTAINERD_CTR, "containerd", run_rm_body("ctr")),
                  Row(BERTHD_BERTH, "berth", run_rm_body("berth"), vs_containerd),
                  Row(BERTHD_CTR_BERTH_SHIM, "berth", run_rm_body("ctr", berth_shim), (CONTAINERD_CTR, BERTHD_CTR)),
                  Row("berthd ← ctr, crun", "berth", run_rm_body("ctr", crun), ("containerd ← ctr, crun",)),
                  Row("containerd ← ctr, crun", "containerd", run_rm_body("ctr", crun))]),
        Scenario("parallel", f"{ctx.containers} containers started at once, then torn down",
                 [Metric("parallel-start", f"{ctx.containers} × run -d, all running", "s", {CONTAINERD_CTR: 0.9}),
                  Metric("parallel-teardown", f"{ctx.containers} × kill, wait, rm", "s")],
                 [Row(BERTHD_CTR, "berth", parallel_body(), vs_containerd),
                  Row(CONTAINERD_CTR, "containerd", parallel_body()),
                  Row(BERTHD_CTR_BERTH_SHIM, "berth", parallel_body(berth_shim), vs_containerd)]),
        Scenario("memory", f"daemon RSS idle and with {ctx.containers} containers; shim memory per container",
                 [Metric("rss-idle", "daemon RSS idle (after a pull)", "MiB", {CONTAINERD_CTR: 1.0}),
                  Metric("rss-busy", f"daemon RSS, {ctx.containers} containers", "MiB"),
                  Metric("shim-pss", "shim PSS per container", "MiB", {CONTAINERD_CTR: 0.5}),
                  Metric("shim-rss", "shim RSS per container", "MiB")],
                 [Row(BERTHD_CTR, "berth", memory_body(), vs_containerd),
                  Row(CONTAINERD_CTR, "containerd", memory_body()),
                  Row(BERTHD_CTR_BERTH_SHIM, "berth", memory_body(berth_shim), vs_containerd)]),
        Scenario("ingest", f"content ingest of a {blob_mib} MiB random blob (and reading it back) vs dd",
                 [Metric("ingest", f"content ingest {blob_mib} MiB", "s", {"dd conv=fsync": 1 / 0.9}),
                  Metric("content-get", f"content get {blob_mib} MiB", "s")],
                 [Row(BERTHD_BERTH, "berth", ingest_body("berth"), (CONTAINERD_CTR, "dd conv=fsync", DD_DIRECT)),
                  Row(CONTAINERD_CTR, "containerd", ingest_body("ctr"), ("dd conv=fsync", DD_DIRECT)),
                  Row(BERTHD_CTR, "berth", ingest_body("ctr"), (CONTAINERD_CTR, "dd conv=fsync", DD_DIRECT)),
                  Row("dd conv=fsync", "", dd_body("conv=fsync"), metrics=("ingest",)),
                  Row(DD_DIRECT, "", dd_body("oflag=direct", "conv=fsync"), metrics=("ingest",))]),
        Scenario("apply", "one big gzip layer: import, then unpack (`ctr images mount`) vs `tar -xzf` of it",
                 [Metric("apply", f"apply one layer ({go['compressed_mib']:.0f} MiB gz)", "s"),
                  Metric("import", f"images import --no-unpack ({go['compressed_mib']:.0f} MiB archive)", "s")],
                 [Row(BERTHD_CTR, "berth", import_apply_body, (CONTAINERD_CTR, "tar -xzf")),
                  Row(CONTAINERD_CTR, "containerd", import_apply_body, ("tar -xzf",)),
                  Row("tar -xzf", "", tar_body, metrics=("apply",))]),
    ]


SCENARIO_IDS = ["pull-large", "pull-busybox", "run-rm", "parallel", "memory", "ingest", "apply"]
