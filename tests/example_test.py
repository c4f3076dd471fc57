#!/usr/bin/env python3
"""The C99 example (examples/classify.c) as a user runs it: it must exit 0
and print the top-5 classes onnxruntime finds for the same synthetic input
(the example's formula, recomputed here), with their probabilities.

    example_test.py --classify build/host/bin/classify --model build/models/mobilenet_v1.onnx
"""
import argparse
import re
import subprocess
import sys

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--classify", required=True)
    ap.add_argument("--model", required=True)
    a = ap.parse_args()
    r = subprocess.run([a.classify, a.model], capture_output=True, text=True, timeout=600)
    print(r.stdout, r.stderr, end="")
    if r.returncode != 0:
        sys.exit(f"example_test: classify exited {r.returncode}")
    m = re.search(r"top-5:((?: \d+ \([-0-9.e+]+\)){5})", r.stdout)
    if not m:
        sys.exit("example_test: no top-5 line")
    got = [(int(i), float(p)) for i, p in re.findall(r"(\d+) \(([-0-9.e+]+)\)", m.group(1))]
    s = ort.InferenceSession(a.model, providers=["CPUExecutionProvider"])
    inp = s.get_inputs()[0]
    n = int(np.prod(inp.shape))
    i = np.arange(n, dtype=np.uint64)
    x = ((i * 2654435761) % 1000).astype(np.float32) / 500.0 - 1.0  # classify.c's input (size_t arithmetic)
    y = s.run(None, {inp.name: x.reshape(inp.shape)})[0].reshape(-1)
    want = np.argsort(-y, kind="stable")[:5]
    for (gi, gp), wi in zip(got, want):
        if abs(gp - y[wi]) > 2e-3 or (gi != wi and abs(y[gi] - y[wi]) > 1e-4):
            sys.exit(f"example_test: top-5 {got} differ from onnxruntime's {[(int(w), round(float(y[w]), 3)) for w in want]}")
    if not re.search(r"^\d+ layers, [0-9.]+ ms in kernels$", r.stdout, re.M):
        sys.exit("example_test: no profile line")
    print("example_test: top-5 match onnxruntime")


if __name__ == "__main__":
    main()
