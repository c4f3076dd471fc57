#!/usr/bin/env python3
"""The docs/autoschedule.md table from one layer_bench JSON run (with
--benchmark_repetitions and without aggregates-only): per (layer, method) the
hand schedule and each autoscheduled variant made for that layer, median ms over
the repetitions, the spread (min-max over repetitions), the ratio to the hand
schedule and % of the CPU peak measured in the same run (F.json.peak; left out
where the run has none, as an OpenCL family's). The autoschedulers' columns are
those with a variant in the run.

    .venv/bin/python tools/autoschedule/table.py build/bench/autoschedule.json
"""
import os
import json
import statistics
import sys
from collections import OrderedDict

ALL_SCHEDULERS = ["adams2019", "mullapudi2016", "li2018", "anderson2021"]


def main(path):
    data = json.load(open(path))
    peak = json.load(open(path + ".peak")) if os.path.exists(path + ".peak") else None
    runs = OrderedDict()  # (layer, method) -> {schedule: [ms...]}
    macs = {}
    for b in data["benchmarks"]:
        if b.get("run_type") != "iteration" or b.get("error_occurred"):
            continue
        net, layer, method = b["run_name"].split("/")[:3]
        sched = "hand"
        if "[autoschedule=" in method:
            method, v = method.split("[autoschedule=")
            sched = v.rstrip("]").split("_")[0]
        runs.setdefault((f"{net}/{layer}", method), {}).setdefault(sched, []).append(b["real_time"])
        macs[f"{net}/{layer}"] = b["MACs"]
    present = {s for by in runs.values() for s in by}
    SCHEDULERS = [s for s in ALL_SCHEDULERS if s in present]
    cols = ["hand"] + SCHEDULERS
    pct_cols = cols if peak else []
    out = [f"CPU peak measured in the run ({peak['threads']} threads): int8 {peak['peak_int8_GMACps']:.0f} GMAC/s, "
           f"fp32 {peak['peak_fp32_GMACps']:.0f} GMAC/s.\n" if peak else "No peak in this run (an OpenCL family).\n",
           "| layer | method | " + " | ".join(f"{c} ms (spread)" for c in cols) + " | " +
           " | ".join(f"{c} / hand" for c in SCHEDULERS) + "".join(f" | {c} % peak" for c in pct_cols) + " |",
           "|" + "---|" * (2 + len(cols) + len(SCHEDULERS) + len(pct_cols))]
    order = {"int8_gemm": 0, "int8_implicit": 1, "fp32_gemm": 2}
    for (layer, method), by in sorted(runs.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))):
        if len(by) < 2:
            continue  # no autoscheduled variant for this layer and method
        pk = peak["peak_int8_GMACps" if method.startswith("int8") else "peak_fp32_GMACps"] * 1e9 if peak else 0
        med = {c: statistics.median(by[c]) for c in cols if c in by}
        cells = [f"{med[c]:.3f} ({min(by[c]):.3f}-{max(by[c]):.3f})" if c in med else "-" for c in cols]
        ratios = [f"{med[c] / med['hand']:.2f}" if c in med and "hand" in med else "-" for c in SCHEDULERS]
        pct = [f"{100 * macs[layer] / (med[c] * 1e-3) / pk:.0f}%" if c in med else "-" for c in pct_cols]
        n = min(len(v) for v in by.values())
        out.append(f"| {layer} | {method} | " + " | ".join(cells) + " | " + " | ".join(ratios) +
                   "".join(f" | {p}" for p in pct) + " |")
    out.append(f"\nRepetitions per cell: {n}; ms = median, spread = min-max over the repetitions.")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
