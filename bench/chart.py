"""bench/results/latest.png from latest.json: batch time against summary size and against batch size,
and (when the run has the sustained phase) batch and maintenance time per day of the daily batches.

    python bench/chart.py bench/results/latest.json bench/results/latest.png

Solid line: the whole batch (median, bars min-max over the repeats); dashed: the median of each job.
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")  # no display: render straight to PNG
import matplotlib.pyplot as plt  # noqa: E402

JOBS = ("classify", "CASE_III", "CASE_I", "CASE_II")


def series(ax, points: list, x_key: str, xlabel: str, title: str) -> None:
    points = sorted(points, key=lambda p: p[x_key])
    xs = [p[x_key] for p in points]
    med = [p["median_s"] for p in points]
    err = [[p["median_s"] - p["min_s"] for p in points], [p["max_s"] - p["median_s"] for p in points]]
    ax.errorbar(xs, med, yerr=err, marker="o", linewidth=2, capsize=4, label="whole batch")
    for job in JOBS:
        ys = [p["cases"].get(job) for p in points]
        if any(y is not None for y in ys):
            ax.plot(xs, [y if y is not None else float("nan") for y in ys], linestyle="--", marker=".", linewidth=1, label=job)
    for x, y in zip(xs, med, strict=True):
        ax.annotate(f"{y:.1f} s", (x, y), textcoords="offset points", xytext=(0, 8), ha="center", fontsize=8)
    ax.set_xscale("log")
    ax.set_xticks(xs)
    ax.set_xticklabels([f"{x:,}" for x in xs], rotation=0, fontsize=8)
    ax.minorticks_off()
    ax.set_ylim(0, max(p["max_s"] for p in points) * 1.18)  # room for the labels
    ax.set_xlabel(xlabel)
    ax.set_ylabel("seconds (median, min-max)")
    ax.set_title(title, fontsize=10)
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=8)


def sustained(ax, s: dict) -> None:
    """Stacked bars per day: the batch, then the maintenance runPending ran after it."""
    days = [d["day"] for d in s["days"]]
    batch = [d["batch_s"] for d in s["days"]]
    maint = [d["maintenance_s"] for d in s["days"]]
    ax.bar(days, batch, label="batch", color="tab:blue")
    ax.bar(days, maint, bottom=batch, label="maintenance", color="tab:orange")
    ax.axhline(s["daily_cost_s"], color="black", linestyle="--", linewidth=1, label=f"daily cost (mean) {s['daily_cost_s']:.1f} s")
    ax.set_xlabel("day")
    ax.set_ylabel("seconds")
    ax.set_title(f"{s['batches']} daily batches on one table (last/first {s['last_s'] / s['first_s']:.2f}x)", fontsize=10)
    ax.grid(True, axis="y", alpha=0.3)
    ax.legend(fontsize=8)


def main(src: str, dst: str) -> None:
    with open(src, encoding="utf-8") as f:
        doc = json.load(f)
    env, params, scaling = doc["environment"], doc["parameters"], doc["scaling"]
    daily = doc.get("sustained")
    fig, axes = plt.subplots(1, 3 if daily else 2, figsize=(18 if daily else 12, 4.8))
    if scaling["table"]:
        batch = scaling["table"][0]["batch_rows"]
        series(axes[0], scaling["table"], "summary_rows", "summary rows", f"Same {batch:,}-record batch, growing summary")
        if doc.get("full_rebuild"):
            rebuild = doc["full_rebuild"]
            axes[0].scatter([rebuild["summary_rows"]], [rebuild["median_s"]], marker="x", s=80, color="black", zorder=5, label="full rebuild")
            axes[0].annotate(
                f"full rebuild {rebuild['median_s']:.1f} s",
                (rebuild["summary_rows"], rebuild["median_s"]),
                textcoords="offset points",
                xytext=(6, -12),
                fontsize=8,
            )
            axes[0].legend(fontsize=8)
    else:
        axes[0].set_axis_off()
    if scaling["batch"]:
        rows = scaling["batch"][0]["summary_rows"]
        series(axes[1], scaling["batch"], "batch_rows", "batch records", f"Growing batch, {rows:,} summary rows")
    else:
        axes[1].set_axis_off()
    if daily:
        sustained(axes[2], daily)
    mode = doc["incremental"].get("mode", "copy-on-write")
    fig.suptitle(
        f"summary-pipeline incremental batch ({mode}, the tables' default): scale {params['scale']}, {params['repeat']} repeat(s), "
        f"{env['cores']} cores, {env['memory_gib']} GiB, Spark {env['spark']} + Iceberg {env['iceberg']}, {env['date'][:10]}",
        fontsize=9,
    )
    fig.tight_layout()
    fig.savefig(dst, dpi=110)


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print("usage: chart.py LATEST_JSON OUT_PNG", file=sys.stderr)
        raise SystemExit(2)
    main(sys.argv[1], sys.argv[2])
