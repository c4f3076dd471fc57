#!/usr/bin/env python3
"""The output SQNR of mobiq configurations against onnxruntime FP32 on the
networks' fixed inputs (build/models/<net>.input.npy, .ort.npy), INT8
calibrated on the same 4 seeded samples as the benchmarks:

    output_sqnr.py --mobiq build/host/bin/mobiq --models build/models --networks resnet50,vgg16
        --config "INT8|--precision int8" --config "int6w4|--precision int8 --conv winograd-int6w4" ...
        [--md out.md] [--json out.json]

A config is "label|flags". SQNR = 10 log10(sum y_ref^2 / sum (y - y_ref)^2)
over the logits; also whether the top-1 class is the reference's.
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

from bench_common import print_and_write, seeded_calibration


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--networks", default="resnet50,vgg16")
    ap.add_argument("--config", action="append", required=True)
    ap.add_argument("--md")
    ap.add_argument("--json")
    a = ap.parse_args()
    tmp = tempfile.mkdtemp()
    calib = os.path.join(tmp, "calibration.npy")
    seeded_calibration(calib)
    rows = []
    for net in a.networks.split(","):
        ref = np.load(os.path.join(a.models, net + ".ort.npy")).astype(np.float64)
        for cfg in a.config:
            label, flags = cfg.split("|", 1)
            flags = flags.split()
            out = os.path.join(tmp, "y.npy")
            cmd = [a.mobiq, "run", "--model", os.path.join(a.models, net + ".onnx"), "--input",
                   os.path.join(a.models, net + ".input.npy"), "--output", out, *flags]
            if "int8" in flags:
                cmd += ["--calib-data", calib]
            r = subprocess.run(cmd, capture_output=True, text=True)
            if r.returncode != 0:
                sys.exit(f"output_sqnr.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
            y = np.load(out).astype(np.float64)
            err = ((y - ref) ** 2).sum()
            sqnr = float("inf") if err == 0 else 10 * np.log10((ref ** 2).sum() / err)
            rows.append({"network": net, "config": label, "flags": " ".join(flags), "sqnr_db": sqnr,
                         "top1_same": bool(y.argmax() == ref.argmax())})
            print(f"{net} {label}: {sqnr:.2f} dB", file=sys.stderr, flush=True)
    lines = ["| network | config | flags | output SQNR vs onnxruntime FP32 (dB) | top-1 = FP32's |",
             "|---|---|---|---:|---|"]
    for r in rows:
        lines.append(f"| {r['network']} | {r['config']} | `{r['flags']}` | {r['sqnr_db']:.2f} | "
                     f"{'yes' if r['top1_same'] else 'no'} |")
    text = "\n".join(lines) + "\n"
    print_and_write(text, a.md, a.json, rows)


if __name__ == "__main__":
    main()
