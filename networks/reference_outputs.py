#!/usr/bin/env python3
"""onnxruntime's FP32 outputs of the network models on a fixed input, for the
runtime's tests (FP32 must match them: tests/test_session.cpp).

    reference_outputs.py --models DIR [--only NAMES]

Writes DIR/<name>.input.npy (1, 3, 224, 224), N(0, 1) with a fixed seed, and
DIR/<name>.ort.npy (onnxruntime CPU, FP32, graph optimisations off).
"""
import argparse
import os

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", required=True)
    ap.add_argument("--only", default="resnet50,mobilenet_v1,vgg16")
    args = ap.parse_args()
    for name in args.only.split(","):
        x = np.random.default_rng(7).standard_normal((1, 3, 224, 224)).astype(np.float32)
        opts = ort.SessionOptions()
        opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        s = ort.InferenceSession(os.path.join(args.models, name + ".onnx"), opts, providers=["CPUExecutionProvider"])
        y = s.run(None, {s.get_inputs()[0].name: x})[0]
        np.save(os.path.join(args.models, name + ".input.npy"), x)
        np.save(os.path.join(args.models, name + ".ort.npy"), y.astype(np.float32))
        print(f"{name}: output {y.shape}, max |y| = {np.abs(y).max():.4g}", flush=True)


if __name__ == "__main__":
    main()
