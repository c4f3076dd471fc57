#!/usr/bin/env python3
"""Turns gemm_bench JSON (one file per thread count) into a markdown table and a PNG.

Each row: one ResNet50 GEMM shape; INT8 and FP32 median time, GOP/s, % of the
peak measured in the same process (gemm_bench measures it at start-up), the
INT8/FP32 ratio, and the coefficient of variation over the repetitions.
The last rows weight each shape by how many ResNet50 layers have it.
"""
import argparse
import json
import sys

from bench_report import pyplot, write_text
from collections import defaultdict


def load(path):
    with open(path) as f:
        data = json.load(f)
    # gemm_bench writes the peak (best of the measurements before and after
    # the run) beside the JSON, since it is known only at the end.
    with open(path + ".peak") as f:
        ctx = json.load(f)
    threads = int(ctx["threads"])
    peak = {"int8": float(ctx["peak_int8_GMACps"]), "fp32": float(ctx["peak_fp32_GMACps"])}
    rows = defaultdict(dict)  # layer -> prec -> stats
    for b in data["benchmarks"]:
        name = b.get("run_name", b["name"])
        if name.startswith("peak/"):
            continue
        prec, layer = name.split("/")[0], name.split("/")[1]
        agg = b.get("aggregate_name")
        if agg not in ("median", "cv", None):
            continue
        entry = rows[layer].setdefault(prec, {})
        if agg == "cv":
            entry["cv"] = b["real_time"]
        else:
            entry["ms"] = b["real_time"] if b["time_unit"] == "ms" else b["real_time"] * 1e-6
            entry["macs"] = b["MACs"]
            entry["layers"] = int(b["layers"])
            entry["shape"] = f"{int(b['M'])} x {int(b['N'])} x {int(b['K'])}"
    return threads, peak, rows


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json", nargs="+", help="gemm_bench --benchmark_out files, one per thread count")
    ap.add_argument("--md", help="write the markdown table here")
    ap.add_argument("--png", help="write the plot here")
    ap.add_argument("--command", default="", help="the command that produced the JSON (printed above the table)")
    args = ap.parse_args()

    runs = sorted((load(p) for p in args.json), key=lambda r: r[0])
    out = []
    if args.command:
        out.append(f"Produced by: `{args.command}`\n")
    for threads, peak, rows in runs:
        out.append(f"### {threads} thread{'s' if threads > 1 else ''}\n")
        out.append(f"Measured peak in this run: int8 {peak['int8']:.1f} GMAC/s (vpdpbusd zmm), "
                   f"fp32 {peak['fp32']:.1f} GMAC/s (vfmadd zmm).\n")
        out.append("| layer | M x N x K | layers | INT8 ms (cv) | INT8 GOP/s | INT8 % peak | FP32 ms (cv) | FP32 GOP/s | FP32 % peak | INT8/FP32 |")
        out.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        tot = {"int8": 0.0, "fp32": 0.0}
        tot_macs = 0.0
        tot_layers = 0
        ratios = []
        for layer, r in rows.items():
            if "int8" not in r or "fp32" not in r:
                continue
            i8, f32 = r["int8"], r["fp32"]
            macs = i8["macs"]
            def cells(e, p):
                gops = 2 * macs / (e["ms"] * 1e-3) * 1e-9
                pct = 100 * (gops / 2) / peak[p] if peak[p] else float("nan")
                return f"{e['ms']:.3f} ({100 * e.get('cv', 0):.1f}%)", f"{gops:.0f}", f"{pct:.0f}%"
            a, b = cells(i8, "int8"), cells(f32, "fp32")
            ratio = f32["ms"] / i8["ms"]
            ratios.append(ratio)
            n_layers = i8["layers"]
            tot["int8"] += n_layers * i8["ms"]
            tot["fp32"] += n_layers * f32["ms"]
            tot_macs += n_layers * macs
            tot_layers += n_layers
            out.append(f"| {layer} | {i8['shape']} | {n_layers} | {a[0]} | {a[1]} | {a[2]} | {b[0]} | {b[1]} | {b[2]} | {ratio:.2f}x |")
        if tot["int8"] > 0:
            g8 = tot_macs / (tot["int8"] * 1e-3) * 1e-9
            g32 = tot_macs / (tot["fp32"] * 1e-3) * 1e-9
            out.append(f"| **ResNet50 GEMMs, weighted by layer count** | {tot_macs / 1e9:.3f} G MACs | {tot_layers} | "
                       f"{tot['int8']:.2f} | {2 * g8:.0f} | {100 * g8 / peak['int8']:.0f}% | {tot['fp32']:.2f} | "
                       f"{2 * g32:.0f} | {100 * g32 / peak['fp32']:.0f}% | {tot['fp32'] / tot['int8']:.2f}x |")
        out.append("")
    text = "\n".join(out)
    write_text(text, args.md)
    if args.png:
        plt = pyplot()
        fig, axes = plt.subplots(1, len(runs), figsize=(7 * len(runs), 6), squeeze=False)
        for ax, (threads, peak, rows) in zip(axes[0], runs):
            layers = [l for l, r in rows.items() if "int8" in r and "fp32" in r]
            pct8 = [100 * (rows[l]["int8"]["macs"] / (rows[l]["int8"]["ms"] * 1e-3) * 1e-9) / peak["int8"] for l in layers]
            pct32 = [100 * (rows[l]["fp32"]["macs"] / (rows[l]["fp32"]["ms"] * 1e-3) * 1e-9) / peak["fp32"] for l in layers]
            y = range(len(layers))
            ax.barh([i + 0.2 for i in y], pct8, height=0.4, label="INT8 (% of vpdpbusd peak)")
            ax.barh([i - 0.2 for i in y], pct32, height=0.4, label="FP32 (% of FMA peak)")
            ax.set_yticks(list(y))
            ax.set_yticklabels(layers, fontsize=8)
            ax.invert_yaxis()
            ax.set_xlim(0, 110)
            ax.axvline(100, color="gray", lw=0.5)
            ax.set_xlabel("% of measured peak")
            ax.set_title(f"ResNet50 GEMMs, {threads} thread{'s' if threads > 1 else ''}")
            ax.legend(loc="lower right", fontsize=8)
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
