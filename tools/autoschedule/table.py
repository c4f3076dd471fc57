#!/usr/bin/env python3
"""The docs/autoschedule.md table from one layer_bench JSON run (with
--benchmark_repetitions and without aggregates-only): per (layer, method) the
hand schedule and each autoscheduled variant made for that layer, median ms over
the repetitions, the spread (min-max over repetitions), the ratio to the hand
schedule and % of the CPU peak measured in the same run (F.json.peak).

    .venv/bin/python tools/autoschedule/table.py build/bench/autoschedule.json
"""
import json
import statistics
import sys
from collections import OrderedDict

SCHEDULERS = ["adams2019", "mullapudi2016", "li2018"]


def main(path):
    data = json.load(open(path))
    peak = json.load(open(path + ".peak"))
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
    cols = ["hand"] + SCHEDULERS
    out = [f"CPU peak measured in the run ({peak['threads']} threads): int8 {peak['peak_int8_GMACps']:.0f} GMAC/s, "
           f"fp32 {peak['peak_fp32_GMACps']:.0f} GMAC/s.\n",
           "| layer | method | " + " | ".join(f"{c} ms (spread)" for c in cols) + " | " +
           " | ".join(f"{c} / hand" for c in SCHEDULERS) + " | " + " | ".join(f"{c} % peak" for c in cols) + " |",
           "|" + "---|" * (2 + 2 * len(cols) + len(SCHEDULERS))]
    order = {"int8_gemm": 0, "int8_implicit": 1, "fp32_gemm": 2}
    for (layer, method), by in sorted(runs.items(), key=lambda kv: (kv[0][0], order.get(kv[0][1], 9))):
        if len(by) < 2:
            continue  # no autoscheduled variant for this layer and method
        pk = peak["peak_int8_GMACps" if method.startswith("int8") else "peak_fp32_GMACps"] * 1e9
        med = {c: statistics.median(by[c]) for c in cols if c in by}
        cells = [f"{med[c]:.3f} ({min(by[c]):.3f}-{max(by[c]):.3f})" if c in med else "-" for c in cols]
        ratios = [f"{med[c] / med['hand']:.2f}" if c in med and "hand" in med else "-" for c in SCHEDULERS]
        pct = [f"{100 * macs[layer] / (med[c] * 1e-3) / pk:.0f}%" if c in med else "-" for c in cols]
        n = min(len(v) for v in by.values())
        out.append(f"| {layer} | {method} | " + " | ".join(cells) + " | " + " | ".join(ratios) + " | " +
                   " | ".join(pct) + f" |")
    out.append(f"\nRepetitions per cell: {n}; ms = median, spread = min-max over the repetitions.")
    print("\n".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
