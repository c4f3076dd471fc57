#!/usr/bin/env python3
"""Whole-network latencies of several mobiq configurations side by side:
the same models and machine, interleaved in rounds (c1, c2, ..., c1, c2, ...),
medians over all timed runs, each configuration's ratio to the first with the
spread of the per-round ratios. Used for "no slowdown" checks of a change (two
binaries) and for comparing plans (one binary, --conv / --tuning flags).

    interleaved_bench.py --models build/models --network resnet50 --precision int8 [--threads 2]
        --config "old|/tmp/old/mobiq|" --config "new|build/host/bin/mobiq|--tuning t.json" ...
        [--rounds 5] [--md out.md]

A config is "label|binary|extra flags". INT8 calibrates every configuration
on the same 4 seeded samples.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from bench_common import parse_configs, seeded_calibration

RUNS = {"resnet50": 6, "mobilenet_v1": 20, "vgg16": 3}  # timed runs per round


def bench(binary, model, flags, runs, out):
    cmd = [binary, "bench", "--model", model, "--runs", str(runs), "--warmup", "2", "--json", out, *flags]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"interleaved_bench.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
    with open(out) as f:
        return json.load(f)["times_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", required=True)
    ap.add_argument("--networks", default="resnet50,mobilenet_v1,vgg16")
    ap.add_argument("--precisions", default="fp32,int8")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--config", action="append", required=True, help="label|binary|extra flags")
    ap.add_argument("--calib-data", help="INT8 calibration .npy (default: 4 seeded normal samples)")
    ap.add_argument("--md", help="write the table here too")
    a = ap.parse_args()
    configs = parse_configs(a.config, "interleaved_bench.py")
    tmp = tempfile.mkdtemp()
    calib = a.calib_data
    if not calib:
        calib = os.path.join(tmp, "calibration.npy")
        seeded_calibration(calib)
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    lines = [f"CPU: {cpu}; {a.threads} thread(s); {a.rounds} interleaved rounds; configs: "
             + "; ".join(f"{l} = `{b} {' '.join(f)}`" for l, b, f in configs), ""]
    lines += ["| network | precision | config | median ms | vs " + configs[0][0] + " | per-round ratio (min-max) |",
              "|---|---|---|---:|---:|---|"]
    for net in a.networks.split(","):
        model = os.path.join(a.models, net + ".onnx")
        for prec in a.precisions.split(","):
            flags = ["--threads", str(a.threads), "--precision", prec]
            if prec == "int8":
                flags += ["--calib-data", calib]
            times = [[] for _ in configs]
            per_round = [[] for _ in configs]
            for r in range(a.rounds):
                for k, (label, binary, extra) in enumerate(configs):
                    t = bench(binary, model, flags + extra, RUNS[net], os.path.join(tmp, "b.json"))
                    times[k] += t
                    per_round[k].append(np.median(t))
                print(f"[{net} {prec} round {r + 1}/{a.rounds}] "
                      + ", ".join(f"{c[0]} {per_round[k][-1]:.2f} ms" for k, c in enumerate(configs)), flush=True)
            base = np.median(times[0])
            for k, (label, _, _) in enumerate(configs):
                ratios = [x / y for x, y in zip(per_round[k], per_round[0])]
                lines.append(f"| {net} | {prec} | {label} | {np.median(times[k]):.2f} | "
                             f"{np.median(times[k]) / base:.3f} | {min(ratios):.3f}-{max(ratios):.3f} |")
    print("\n".join(lines))
    if a.md:
        with open(a.md, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
