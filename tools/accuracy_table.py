#!/usr/bin/env python3
"""Runs `mobiq eval` over INT8 configurations of one model on a held-out split
and prints the markdown table of docs/accuracy.md: FP32, then each INT8
configuration's top-1, top-5, delta against FP32 in %p, top-1 agreement with
FP32 and output SQNR. Calibration: the first --calib images (file-name order);
evaluation: the rest (--skip), the same split for every row.

    accuracy_table.py --mobiq build/host/bin/mobiq --model M.onnx --images DIR --labels L
                      [--calib 100] [--threads 2] [--extra "--mean 0.498 --std 0.502"] [--out DIR]
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

CONFIGS = [  # (label, flags)
    ("asym act / sym w / per-channel / minmax", []),
    ("asym act / sym w / per-layer / minmax", ["--weights", "per-layer"]),
    ("asym act / asym w / per-channel / minmax", ["--weight-scheme", "asym"]),
    ("asym act / asym w / per-layer / minmax", ["--weight-scheme", "asym", "--weights", "per-layer"]),
    ("sym act / sym w / per-channel / minmax", ["--scheme", "sym"]),
    ("sym act / sym w / per-layer / minmax", ["--scheme", "sym", "--weights", "per-layer"]),
    ("sym act / asym w / per-channel / minmax", ["--scheme", "sym", "--weight-scheme", "asym"]),
    ("sym act / asym w / per-layer / minmax", ["--scheme", "sym", "--weight-scheme", "asym", "--weights",
                                                "per-layer"]),
    ("asym act / sym w / per-channel / percentile", ["--calibration", "percentile"]),
    ("asym act / sym w / per-channel / entropy", ["--calibration", "entropy"]),
    ("asym act / sym w / per-channel / minmax, BN not folded", ["--no-bn-fold"]),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--calib", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--extra", default="", help="more eval flags for every run (preprocessing)")
    ap.add_argument("--out", default=".", help="where the JSON of each run goes")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    base = [a.mobiq, "eval", "--model", a.model, "--images", a.images, "--labels", a.labels, "--skip",
            str(a.calib), "--threads", str(a.threads), "--no-progress", *shlex.split(a.extra)]
    rows = []
    for i, (label, flags) in enumerate(CONFIGS):
        j = os.path.join(a.out, f"run{i:02d}.json")
        cmd = base + ["--precision", "int8", "--calib-data", a.images, "--calib-limit", str(a.calib),
                      "--compare-fp32", "--json", j, *flags]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"accuracy_table.py: {' '.join(cmd)}\n{r.stderr}")
        with open(j) as f:
            rows.append((label, json.load(f)))
        print(f"{label}: {r.stdout.strip().splitlines()[0]}", file=sys.stderr)
    fp = rows[0][1]
    print(f"{fp['images']} images (after the first {a.calib}, which calibrate); CPU: {fp['cpu']}\n")
    print("| configuration | top-1 % | top-5 % | delta top-1 %p | top-1 agreement % | output SQNR dB |")
    print("|---|---|---|---|---|---|")
    print(f"| FP32 | {fp['fp32_top1']:.2f} | {fp['fp32_top5']:.2f} | | | |")
    for label, r in rows:
        sq = "exact" if r["sqnr_db"] is None else f"{r['sqnr_db']:.2f}"
        print(f"| INT8 {label} | {r['top1']:.2f} | {r['top5']:.2f} | {r['top1'] - r['fp32_top1']:+.2f} | "
              f"{r['agreement']:.2f} | {sq} |")


if __name__ == "__main__":
    main()
