#!/usr/bin/env python3
"""Plots the local cache's hit ratio against its size (docs/capacity.md).

usage: capacity-plot.py ZIPF_CSV OUT_PNG

ZIPF_CSV is what examples/cache_zipf.rs writes (one line per Zipf exponent s and
--cache-max-mb); one line per s, the cache size on a log scale, the default size
(64 MB) marked. Needs matplotlib (`make capacity` installs it in a venv under target/).
"""
import csv
import sys
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")  # no display: write the file only
import matplotlib.pyplot as plt  # noqa: E402


def main():
    source, out = sys.argv[1], sys.argv[2]
    lines = defaultdict(list)
    first = None
    with open(source, newline="") as f:
        for row in csv.DictReader(f):
            first = first or row
            lines[float(row["s"])].append((int(row["cache_mb"]), float(row["local_hit_ratio"])))
    if not lines:
        raise SystemExit("no rows in %s" % source)

    fig, ax = plt.subplots(figsize=(7, 4.2), dpi=110)
    for s in sorted(lines):
        points = sorted(lines[s])
        ax.plot([p[0] for p in points], [100 * p[1] for p in points], marker="o", label="s = %.1f" % s)
    ax.axvline(64, color="grey", linestyle=":", linewidth=1)
    ax.text(64, 98, " default\n --cache-max-mb 64", color="grey", fontsize=8, va="top")
    ax.set_xscale("log", base=2)
    sizes = sorted({p[0] for points in lines.values() for p in points})
    ax.set_xticks(sizes)
    ax.set_xticklabels([str(m) for m in sizes])
    ax.set_ylim(0, 100)
    ax.set_xlabel("--cache-max-mb (local tier of one replica, MiB)")
    ax.set_ylabel("local hit ratio, % of item lookups")
    ax.set_title(
        "Local cache hit ratio, Zipf popularity over %s items\n"
        "%s replicas, %s requests/s x %s items, TTL %s s (examples/cache_zipf.rs)"
        % (
            format(int(first["items"]), ","),
            first["replicas"],
            format(int(float(first["requests_per_s"])), ","),
            first["basket"],
            format(float(first["ttl_s"]), "g"),
        ),
        fontsize=10,
    )
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(title="Zipf exponent", loc="lower center", ncol=4, fontsize=9, title_fontsize=9)
    fig.tight_layout()
    fig.savefig(out)


if __name__ == "__main__":
    main()
