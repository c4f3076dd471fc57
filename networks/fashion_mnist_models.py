#!/usr/bin/env python3
"""The paper's three architectures trained on Fashion-MNIST (DESIGN.md section
8, docs/accuracy.md): ResNet-style (bottleneck blocks), MobileNet-v1-style
(depthwise-separable) and VGG-style (plain 3x3 stacks), as committed ONNX
models in networks/fashion_mnist/ with their FP32 test accuracy.

    fashion_mnist_models.py [--models resnet,mobilenet_v1,vgg] [--out networks/fashion_mnist]
                            [--data /usr/share/datasets/fashion-mnist] [--torch-python /usr/bin/python3]
                            [--work DIR] [--from-state] [train_fashion_mnist.py flags, e.g. --epochs 6]

Run with the project venv's python (onnx, onnxruntime). Training and the ONNX
export run in train_fashion_mnist.py under a python with torch (Debian's
python3-torch); then, per model: the export's Constant nodes (the Clip bounds
of ReLU6) become initializers, which is what mobiq's import reads; the model
is checked (onnx.checker) and run by onnxruntime on the 10,000 test images;
its logits are compared with torch's and its top-1 recorded; OUT/<model>.onnx
and OUT/<model>.json (accuracies, training record, versions, checksums of
the data and of the model) are written. The data files are checked against
the SHA-256 of Debian's dataset-fashion-mnist 0.0~git20200523.55506a9-1.
"""
import argparse
import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from imagenet_models import constants_as_initializers, session, sha256  # noqa: E402

DATA = {  # Debian dataset-fashion-mnist 0.0~git20200523.55506a9-1
    "train-images-idx3-ubyte.gz": "b0564c3eedabfbf835052cff8503ea422014ce006caf5b757f851416ee8300c7",
    "train-labels-idx1-ubyte.gz": "0ae29f65d86684f32d1b9c85147786c547b9c6aebcaf235f0400a0cce308b056",
    "t10k-images-idx3-ubyte.gz": "cc1d090a38ace84dfa1aa66e3ada7c336ef481a96936906477e6dd344da56eaa",
    "t10k-labels-idx1-ubyte.gz": "8d3605d196f4be44669e46906da9733c8131fef761fdbfec72c424d5222f1a05",
}
MODELS = ["resnet", "mobilenet_v1", "vgg"]


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def ort_logits(path, x):
    """onnxruntime's logits, one image at a time: the exported input is (1, 1, 28, 28)."""
    s = session(path)
    return np.concatenate([s.run(None, {"input": x[i:i + 1]})[0] for i in range(len(x))])


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--out", default=os.path.join(HERE, "fashion_mnist"))
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--torch-python", default="/usr/bin/python3", help="a python with torch (Debian python3-torch)")
    ap.add_argument("--work", help="keep the intermediate files (raw export, state, torch logits) here")
    a, train_flags = ap.parse_known_args()
    for name, want in DATA.items():
        got = sha256(os.path.join(a.data, name))
        if got != want:
            sys.exit(f"fashion_mnist_models.py: {a.data}/{name}: SHA-256 {got}, expected {want} (Debian's "
                     f"dataset-fashion-mnist)")
    x = (read_idx(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")).astype(np.float32) / np.float32(255))[:, None]
    y = read_idx(os.path.join(a.data, "t10k-labels-idx1-ubyte.gz")).astype(np.int64)
    os.makedirs(a.out, exist_ok=True)
    work = a.work or tempfile.mkdtemp(prefix="fmnist_")
    os.makedirs(work, exist_ok=True)
    for m in a.models.split(","):
        cmd = [a.torch_python, os.path.join(HERE, "train_fashion_mnist.py"), "--model", m, "--data", a.data,
               "--out", work, *train_flags]
        print(" ".join(cmd), flush=True)
        r = subprocess.run(cmd)
        if r.returncode != 0:
            sys.exit(f"fashion_mnist_models.py: {' '.join(cmd)} failed ({a.torch_python}; Debian: apt-get install "
                     f"python3-torch)")
        with open(os.path.join(work, f"{m}.train.json")) as f:
            record = json.load(f)
        model = constants_as_initializers(onnx.load(os.path.join(work, f"{m}.raw.onnx")))
        onnx.checker.check_model(model, full_check=True)
        out = os.path.join(a.out, f"{m}.onnx")
        onnx.save(model, out)
        want = np.load(os.path.join(work, f"{m}.torch_logits.npy"))
        got = ort_logits(out, x)
        pred_t, pred_o = want.argmax(1), got.argmax(1)
        record.update(
            # the CI slice (tests/eval_test.py): the first 200 test images
            first200=dict(torch_correct=int((pred_t[:200] == y[:200]).sum()),
                          onnxruntime_correct=int((pred_o[:200] == y[:200]).sum())),
            onnxruntime_top1=100.0 * float((pred_o == y).mean()), onnxruntime_correct=int((pred_o == y).sum()),
            onnxruntime=ort.__version__, onnx=onnx.__version__,
            torch_vs_onnxruntime=dict(top1_agreement=100.0 * float((pred_t == pred_o).mean()),
                                      max_abs_logit_diff=float(np.abs(want - got).max())),
            data={k: dict(sha256=v) for k, v in DATA.items()}, data_package="Debian dataset-fashion-mnist "
            "0.0~git20200523.55506a9-1", input="1 x 28 x 28, pixel / 255 (mobiq eval's IDX default: no resize, "
            "mean 0, std 1)", command="networks/fashion_mnist_models.py " + " ".join(sys.argv[1:]),
            onnx_sha256=sha256(out), onnx_bytes=os.path.getsize(out), nodes=len(model.graph.node),
            opset=13, batch_normalization="kept")
        with open(os.path.join(a.out, f"{m}.json"), "w") as f:
            json.dump(record, f, indent=1)
            f.write("\n")
        print(f"{out}: torch {record['torch_top1']:.2f} %, onnxruntime {record['onnxruntime_top1']:.2f} %, "
              f"agreement {record['torch_vs_onnxruntime']['top1_agreement']:.2f} %, max |logit diff| "
              f"{record['torch_vs_onnxruntime']['max_abs_logit_diff']:.2e}", flush=True)
    if not a.work:
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
