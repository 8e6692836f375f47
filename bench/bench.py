#!/usr/bin/env python3
"""Side-by-side benchmarks of berthd and containerd (Debian's package) on this machine.

Sets up everything itself: Debian packages it needs, fixture images (cached under bench/work/), a local
registry, and for every row of every round a fresh daemon on its own temp root, state dir, socket and
namespace. Rows run interleaved (berth, containerd, berth, ...) for --rounds rounds. A row that fails
records its error and the run goes on. Writes Markdown, JSON and an SVG chart of the ratios to
bench/results/ (timestamped and latest.*). See bench/README.md.
"""
import argparse, atexit, os, signal, statistics, subprocess, sys, tempfile, time, traceback
from types import SimpleNamespace

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import daemons, fixtures, report, scenarios  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def log(message):
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3, help="rounds per scenario (default 3)")
    parser.add_argument("--quick", action="store_true",
                        help="development: 1 round, 64 MiB blob, 5 runs, 5 containers")
    parser.add_argument("--only", default="", help=f"comma-separated scenarios: {','.join(scenarios.SCENARIO_IDS)}")
    parser.add_argument("--blob-mib", type=int, default=None, help="ingest blob size (default 1024, quick 64)")
    parser.add_argument("--runs", type=int, default=None, help="run --rm per round (default 50, quick 5)")
    parser.add_argument("--containers", type=int, default=None, help="parallel containers (default 20, quick 5)")
    parser.add_argument("--berthd", default=f"{ROOT}/.build/release/berthd")
    parser.add_argument("--berth", default=f"{ROOT}/.build/release/berth")
    args = parser.parse_args()
    if args.quick:
        args.rounds = 1
    args.blob_mib = args.blob_mib or (64 if args.quick else 1024)
    args.runs = args.runs or (5 if args.quick else 50)
    args.containers = args.containers or (5 if args.quick else 20)
    args.only = [s for s in args.only.split(",") if s]
    unknown = set(args.only) - set(scenarios.SCENARIO_IDS)
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(sorted(unknown))}; known: {', '.join(scenarios.SCENARIO_IDS)}")
    for name in ("berthd", "berth"):
        if not os.access(getattr(args, name), os.X_OK):
            parser.error(f"--{name} {getattr(args, name)} is not an executable (scripts/build-release.sh?)")
    return args


def run_row(scenario, row, ctx, results):
    """One row of one round: fresh daemon, body, stop; an error is recorded, not raised."""
    daemon = None
    try:
        if row.daemon:
            daemon = daemons.Daemon(row.daemon, ctx.bins)
        values = row.body(daemon, ctx)
        notes = values.pop("notes", {})
        for metric_id, value in values.items():
            entry = results.setdefault((metric_id, row.name), {"samples": [], "errors": [], "notes": []})
            entry["samples"] += value if isinstance(value, list) else [value]
            entry["notes"] += notes.get(metric_id, [])
        medians = {k: statistics.median(v) if isinstance(v, list) else v for k, v in values.items()}
        log(f"  {scenario.id} / {row.name}: " + ", ".join(f"{k} {v:.3f}" for k, v in medians.items()))
    except Exception as error:
        message = str(error) or type(error).__name__
        if daemon and daemon.proc.poll() is not None:
            message += f" (daemon exited {daemon.proc.returncode}: {daemon.log_tail(300)})"
        if not isinstance(error, daemons.CommandFailed):
            traceback.print_exc()
        log(f"  {scenario.id} / {row.name}: FAILED: {message}")
        for metric in filter(row.measures, scenario.metrics):
            results.setdefault((metric.id, row.name), {"samples": [], "errors": [], "notes": []})["errors"].append(
                message)
    finally:
        if daemon:
            daemon.stop()


def make_blob(path, mib):
    subprocess.run(["dd", "if=/dev/urandom", f"of={path}", "bs=1M", f"count={mib}", "status=none"], check=True)
    return "sha256:" + subprocess.run(["sha256sum", path], capture_output=True, text=True, check=True).stdout.split()[0]


def main():
    args = parse_args()
    if os.geteuid() != 0:
        sys.exit("bench.py needs root (daemons, mounts, containers)")
    atexit.register(daemons.stop_all)
    # SIGTERM/SIGHUP unwind like Ctrl-C so every finally and the cleanup run.
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.default_int_handler)

    fixtures.ensure_packages(log)
    bins = {"berthd": os.path.abspath(args.berthd), "berth": os.path.abspath(args.berth)}
    fixture_set = fixtures.Fixtures().build(log)
    work = tempfile.mkdtemp(prefix="bench-work-", dir="/tmp")
    results, interrupted, chosen = {}, False, []
    try:
        registry = daemons.Registry()
        ctx = SimpleNamespace(bins=bins, fixtures=fixture_set, refs=fixture_set.push(registry, log), work=work,
                              runs=args.runs, containers=args.containers, blob=f"{work}/blob",
                              blob_size=args.blob_mib << 20, blob_digest=None)
        chosen = [s for s in scenarios.all_scenarios(ctx) if not args.only or s.id in args.only]
        if any(s.id == "ingest" for s in chosen):
            ctx.blob_digest = make_blob(ctx.blob, args.blob_mib)
        for scenario in chosen:
            log(f"{scenario.id}: {scenario.summary}")
            for _ in range(args.rounds):
                for row in scenario.rows:
                    run_row(scenario, row, ctx, results)
    except KeyboardInterrupt:
        log("interrupted: cleaning up")
        interrupted = True
    finally:
        daemons.stop_all()
        subprocess.run(["rm", "-rf", work])

    if not results:
        sys.exit("nothing measured, no results written")
    stamp = time.strftime("%Y%m%d-%H%M%S")
    meta = {"stamp": stamp, "args": " ".join(sys.argv[1:]) or "(defaults)", "interrupted": interrupted,
            "rounds": args.rounds, "runs": args.runs, "containers": args.containers, "blob_mib": args.blob_mib,
            "fixtures": {tag: fixture_set.describe(tag) for tag in ("busybox", "large", "go")}}
    summary = report.summarize(chosen, results)
    print(report.write(summary, report.machine_facts(bins), meta))
    log(f"wrote bench/results/{stamp}.{{md,json,svg}} and latest.*")


if __name__ == "__main__":
    main()
