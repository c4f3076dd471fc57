#!/usr/bin/env python3
"""Two mobiq binaries side by side (a change's "no slowdown" check): the
same models, options and machine, interleaved in rounds (A, B, A, B, ...),
whole-network medians over all timed runs, the ratio B / A with the spread
of the per-round ratios.

    ab_bench.py --a OLD/mobiq --b build/host/bin/mobiq --models build/models
                [--networks resnet50,mobilenet_v1,vgg16] [--threads 2] [--rounds 5]
                [--extra-b "--tuning t.json"] [--md out.md]
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

RUNS = {"resnet50": 6, "mobilenet_v1": 20, "vgg16": 3}  # timed runs per round


def bench(binary, model, flags, runs, out):
    cmd = [binary, "bench", "--model", model, "--runs", str(runs), "--warmup", "2", "--json", out, *flags]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"ab_bench.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return json.load(open(out))["times_ms"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--a", required=True, help="baseline mobiq binary")
    ap.add_argument("--b", required=True, help="mobiq binary under test")
    ap.add_argument("--models", required=True)
    ap.add_argument("--networks", default="resnet50,mobilenet_v1,vgg16")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--precisions", default="fp32,int8")
    ap.add_argument("--extra-b", default="", help="flags for B only (e.g. --tuning F)")
    ap.add_argument("--md", help="write the table here too")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    calib = os.path.join(tmp, "calibration.npy")
    np.save(calib, np.random.default_rng(2021).standard_normal((4, 3, 224, 224)).astype(np.float32))
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown")
    rows = []
    for net in a.networks.split(","):
        model = os.path.join(a.models, net + ".onnx")
        for prec in a.precisions.split(","):
            flags = ["--threads", str(a.threads), "--precision", prec]
            if prec == "int8":
                flags += ["--calib-data", calib]
            times = {"A": [], "B": []}
            ratios = []
            for r in range(a.rounds):
                ta = bench(a.a, model, flags, RUNS[net], os.path.join(tmp, "a.json"))
                tb = bench(a.b, model, flags + a.extra_b.split(), RUNS[net], os.path.join(tmp, "b.json"))
                times["A"] += ta
                times["B"] += tb
                ratios.append(np.median(tb) / np.median(ta))
                print(f"[{net} {prec} round {r + 1}/{a.rounds}] A {np.median(ta):.2f} ms, B {np.median(tb):.2f} ms",
                      flush=True)
            ma, mb = np.median(times["A"]), np.median(times["B"])
            rows.append((net, prec, ma, mb, mb / ma, min(ratios), max(ratios)))
    lines = [f"CPU: {cpu}; {a.threads} thread(s); {a.rounds} interleaved rounds; A = `{a.a}`, B = `{a.b}`"
             + (f" with `{a.extra_b}`" if a.extra_b else ""),
             "", "| network | precision | A median ms | B median ms | B / A | per-round B / A (min-max) |",
             "|---|---|---:|---:|---:|---|"]
    for net, prec, ma, mb, r, lo, hi in rows:
        lines.append(f"| {net} | {prec} | {ma:.2f} | {mb:.2f} | {r:.3f} | {lo:.3f}-{hi:.3f} |")
    print("\n".join(lines))
    if a.md:
        with open(a.md, "w") as f:
            f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
