"""Results: machine facts, summary statistics, and the Markdown, JSON and SVG files under bench/results/."""
import json, math, os, platform, shutil, statistics, subprocess, time
from xml.sax.saxutils import escape

RESULTS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def first_line(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
        return (out.stdout or out.stderr).strip().splitlines()[0]
    except (OSError, IndexError, subprocess.TimeoutExpired):
        return "unavailable"


def cgroup_mode():
    if os.path.exists("/sys/fs/cgroup/cgroup.controllers"):
        return "v2 (unified)"
    if os.path.exists("/sys/fs/cgroup/unified/cgroup.controllers"):
        controllers = open("/sys/fs/cgroup/unified/cgroup.controllers").read().split()
        return "hybrid (v1 + v2" + (f" with {', '.join(controllers)} on v2)" if controllers else ")")
    return "v1"


def machine_facts(bins):
    with open("/proc/cpuinfo") as f:
        model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "?")
    with open("/proc/meminfo") as f:
        mem_kib = int(f.readline().split()[1])
    berthd_stat = os.stat(bins["berthd"])
    return {
        "cpus": os.cpu_count(), "cpu_model": model, "memory_gib": round(mem_kib / 2**20, 1),
        "kernel": platform.release(), "debian": open("/etc/debian_version").read().strip(),
        "containerd": first_line(["containerd", "--version"]), "runc": first_line(["runc", "--version"]),
        "crun": first_line(["crun", "--version"]), "ctr": first_line(["ctr", "--version"]),
        "cgroups": cgroup_mode(),
        "shim": shutil.which("containerd-shim-runc-v2") or "missing",
        "berthd": f"{first_line([bins['berthd'], '--version'])} ({bins['berthd']}, built "
                  f"{time.strftime('%Y-%m-%d %H:%M', time.localtime(berthd_stat.st_mtime))})",
        "berth": bins["berth"],
    }


def summarize(scenarios, results):
    """[{metric..., rows: [{name, samples, errors, median, min, max, ratios}]}] in scenario order."""
    summary = []
    for scenario in scenarios:
        for metric in scenario.metrics:
            rows = []
            for row in scenario.rows:
                data = results.get((metric.id, row.name))
                if data is None:
                    continue
                entry = {"name": row.name, "daemon": row.daemon, "samples": data["samples"],
                         "errors": data["errors"], "notes": sorted(set(data["notes"]))}
                if data["samples"]:
                    entry.update(median=statistics.median(data["samples"]), min=min(data["samples"]),
                                 max=max(data["samples"]))
                rows.append(entry)
            by_name = {r["name"]: r for r in rows}
            for row_def in scenario.rows:
                entry = by_name.get(row_def.name)
                if entry is None:
                    continue
                entry["ratios"] = {}
                for base in row_def.baselines:
                    base_entry = by_name.get(base)
                    if base_entry is None:  # the baseline does not measure this metric
                        continue
                    if "median" in entry and base_entry.get("median"):
                        entry["ratios"][base] = entry["median"] / base_entry["median"]
                    else:
                        entry["ratios"][base] = None
            summary.append({"scenario": scenario.id, "id": metric.id, "title": metric.title, "unit": metric.unit,
                            "targets": metric.targets, "rows": rows})
    return summary


def fmt(value, unit):
    if unit == "s" and value < 1:
        return f"{value * 1000:.0f} ms"
    return f"{value:.2f} {unit}" if unit == "s" else f"{value:.1f} {unit}"


def ratio_text(entry, targets):
    parts = []
    for base, ratio in entry.get("ratios", {}).items():
        if ratio is None:
            parts.append(f"– vs {base}")
            continue
        text = f"**{ratio:.2f}×** vs {base}"
        if base in targets:
            text += f" ({'✓' if ratio <= targets[base] else '✗'} target ≤ {targets[base]:.2f})"
        parts.append(text)
    return "; ".join(parts)


def cell(text):
    return text.replace("|", "\\|").replace("\n", " ")


def markdown(summary, facts, meta):
    lines = [f"# berthd vs containerd — {meta['stamp']}", ""]
    lines += [f"- {key}: {value}" for key, value in facts.items()]
    lines += [f"- run: {meta['args']}" + (" (interrupted: partial results)" if meta["interrupted"] else ""),
              "- fixtures: " + "; ".join(f"{tag} {d['layers']} layer(s), {d['compressed_mib']} MiB gzip"
                                         for tag, d in meta["fixtures"].items()), "",
              "Medians with min–max over all samples (one per round; one per run for run --rm). "
              "Ratios are medians divided by the baseline's: below 1.0 Berth is faster or smaller.", "",
              "| metric | who | median | min–max | n | ratio |", "| --- | --- | --- | --- | --- | --- |"]
    for metric in summary:
        for entry in metric["rows"]:
            unit = metric["unit"]
            if "median" in entry:
                values = [fmt(entry["median"], unit), f"{fmt(entry['min'], unit)} – {fmt(entry['max'], unit)}",
                          str(len(entry["samples"]))]
            else:
                values = ["failed", "", "0"]
            ratio = ratio_text(entry, metric["targets"])
            if entry["errors"]:
                ratio = (ratio + "; " if ratio else "") + f"{len(entry['errors'])} failed: {entry['errors'][0]}"
            if entry["notes"]:
                ratio = (ratio + "; " if ratio else "") + ", ".join(entry["notes"])
            lines.append("| " + " | ".join(cell(c) for c in [metric["title"], entry["name"], *values, ratio]) + " |")
    return "\n".join(lines) + "\n"


def svg_chart(summary, stamp):
    """One bar per (metric, berth row, baseline) from the 1.0 line to the ratio, on a log2 scale (0.5× and 2×
    equally far from 1.0); a black tick marks the target; ratios outside 1/8..8 are clipped at the edge."""
    bars = []
    for metric in summary:
        for entry in metric["rows"]:
            if entry["daemon"] != "berth":
                continue
            for base, ratio in entry.get("ratios", {}).items():
                label = f"{metric['title']}: {entry['name']} vs {base}"
                error = entry["errors"][0] if entry["errors"] else ""
                bars.append((label, ratio, metric["targets"].get(base), error))
    label_width, plot_width, bar_height, top, span = 560, 480, 22, 56, 3  # span: log2 of the edge ratio
    center = label_width + plot_width / 2
    x = lambda ratio: center + plot_width / 2 * max(-span, min(span, math.log2(ratio))) / span
    bottom = top + bar_height * len(bars)
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{label_width + plot_width + 70}" '
           f'height="{bottom + 50}" font-family="sans-serif" font-size="12">',
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="10" y="20" font-size="15" font-weight="bold">berthd vs baseline: ratio of medians, '
           f'{escape(stamp)}</text>',
           '<text x="10" y="40" fill="#555">left of 1.0: Berth faster or smaller. Green: meets its target '
           '(black tick), or below 1.0 where there is none. Log scale.</text>']
    for tick in (0.125, 0.25, 0.5, 1, 2, 4, 8):
        style = 'stroke="#333" stroke-dasharray="4 3"' if tick == 1 else 'stroke="#ddd"'
        out.append(f'<line x1="{x(tick):.1f}" x2="{x(tick):.1f}" y1="{top - 4}" y2="{bottom + 4}" {style}/>')
        out.append(f'<text x="{x(tick):.1f}" y="{bottom + 18}" text-anchor="middle" fill="#555">{tick:g}×</text>')
    out.append(f'<text x="{center:.1f}" y="{bottom + 36}" text-anchor="middle">1.0 = same as the baseline</text>')
    for i, (label, ratio, target, error) in enumerate(bars):
        y = top + i * bar_height
        out.append(f'<text x="{label_width - 8}" y="{y + 15}" text-anchor="end">{escape(label[:90])}</text>')
        if ratio is None:
            text = "failed" + (f": {error[:70]}" if error else " (no baseline)")
            out.append(f'<text x="{label_width + 4}" y="{y + 15}" fill="#c00">{escape(text)}</text>')
            continue
        good = ratio <= (target if target is not None else 1.0)
        left, right = sorted((x(1.0), x(ratio)))
        out.append(f'<rect x="{left:.1f}" y="{y + 4}" width="{max(right - left, 1):.1f}" height="{bar_height - 8}" '
                   f'fill="{"#3a3" if good else "#d44"}"/>')
        anchor, text_x = ("start", right + 4) if ratio >= 1 else ("end", left - 4)
        out.append(f'<text x="{text_x:.1f}" y="{y + 15}" text-anchor="{anchor}">{ratio:.2f}×</text>')
        if target is not None:
            out.append(f'<line x1="{x(target):.1f}" x2="{x(target):.1f}" y1="{y + 1}" y2="{y + bar_height - 1}" '
                       f'stroke="black" stroke-width="2"/>')
    out.append("</svg>")
    return "\n".join(out) + "\n"


def write(summary, facts, meta):
    os.makedirs(RESULTS_DIR, exist_ok=True)
    stamp = meta["stamp"]
    md = markdown(summary, facts, meta)
    files = {"md": md, "json": json.dumps({"meta": meta, "machine": facts, "metrics": summary}, indent=2) + "\n",
             "svg": svg_chart(summary, stamp)}
    for ext, content in files.items():
        for name in (stamp, "latest"):
            with open(f"{RESULTS_DIR}/{name}.{ext}", "w") as f:
                f.write(content)
    return md
