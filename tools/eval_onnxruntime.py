#!/usr/bin/env python3
"""onnxruntime's top-1 / top-5 on the images `mobiq eval` reads, preprocessed
independently of mobiq: PIL (Pillow) decoding and resizing, exactly
torchvision's ImageNet transform for PIL images (Resize(N) bilinear,
antialiased; CenterCrop; ToTensor; Normalize). With --mobiq-json (the file of
`mobiq eval --json`), also the top-1 agreement of the two on the same images,
the check that mobiq's FP32 pipeline (decoding, preprocessing, engine) is
onnxruntime's (docs/accuracy.md). IDX files (Fashion-MNIST) are read with
numpy as `mobiq eval` reads them: pixel / 255, one channel, no resize, mean 0,
std 1 unless given, image i named FILE#i.

    eval_onnxruntime.py --model M.onnx --images DIR|IDX --labels labels.tsv|IDX [--skip N] [--limit N]
                        [--resize 256] [--crop 224] [--mean a,b,c] [--std a,b,c] [--threads 2]
                        [--mobiq-json F] [--json F]
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import onnxruntime as ort
from PIL import Image


def floats(s):
    return [float(v) for v in s.split(",")]


def torchvision_transform(path, resize, crop, mean, std):
    """torchvision.transforms: Resize(resize), CenterCrop(crop), ToTensor, Normalize, for a PIL image."""
    im = Image.open(path).convert("RGB")
    if resize:
        w, h = im.size
        short, long = (w, h) if w <= h else (h, w)
        if short != resize:
            new_long = int(resize * long / short)
            size = (resize, new_long) if w <= h else (new_long, resize)
            im = im.resize(size, Image.BILINEAR)
    if crop:
        w, h = im.size
        top, left = int(round((h - crop) / 2.0)), int(round((w - crop) / 2.0))
        im = im.crop((left, top, left + crop, top + crop))
    x = np.asarray(im, dtype=np.uint8).astype(np.float32) / np.float32(255)
    x = (x - np.array(mean, np.float32)) / np.array(std, np.float32)
    return x.transpose(2, 0, 1)[None].astype(np.float32)


def read_idx(path):
    """An IDX file of unsigned bytes (gzip or not) as an array of its dimensions."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    if data[:3] != b"\0\0\x08":
        sys.exit(f"eval_onnxruntime.py: {path}: not an IDX file of unsigned bytes")
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, np.uint8, offset=4 + 4 * dims).reshape(shape)


def is_idx(path):
    if not os.path.isfile(path):
        return False
    with open(path, "rb") as f:
        head = f.read(3)
    return head[:2] == b"\x1f\x8b" or head == b"\0\0\x08"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--skip", type=int, default=0)
    ap.add_argument("--limit", type=int, default=0)
    ap.add_argument("--resize", type=int, default=256, help="(not for IDX)")
    ap.add_argument("--crop", type=int, default=224, help="(not for IDX)")
    ap.add_argument("--mean", type=floats, help="default 0.485,0.456,0.406 (IDX: 0)")
    ap.add_argument("--std", type=floats, help="default 0.229,0.224,0.225 (IDX: 1)")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--mobiq-json", help="mobiq eval --json output on the same images: top-1 agreement")
    ap.add_argument("--json")
    a = ap.parse_args()

    idx = is_idx(a.images)
    mean = a.mean or ([0.0] if idx else [0.485, 0.456, 0.406])
    std = a.std or ([1.0] if idx else [0.229, 0.224, 0.225])
    rows = []
    if idx:
        pixels, labels = read_idx(a.images), read_idx(a.labels)
        if len(pixels) != len(labels):
            sys.exit(f"eval_onnxruntime.py: {a.images} holds {len(pixels)} images, {a.labels} {len(labels)} labels")
        base = os.path.basename(a.images)
        rows = [(f"{base}#{i}", int(v)) for i, v in enumerate(labels)]  # mobiq eval's names, in its order
        tensors = {f"{base}#{i}": ((p.astype(np.float32) / np.float32(255) - np.float32(mean[0])) /
                                   np.float32(std[0]))[None, None] for i, p in enumerate(pixels)}
    else:
        with open(a.labels) as f:
            for line in f:
                p = line.rstrip("\n").split("\t")
                if len(p) >= 2:
                    rows.append((p[0], int(p[1])))
        rows.sort()
    rows = rows[a.skip:]
    if a.limit:
        rows = rows[:a.limit]
    o = ort.SessionOptions()
    o.intra_op_num_threads = a.threads
    s = ort.InferenceSession(a.model, o, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    top1 = top5 = 0
    preds = []
    for file, label in rows:
        x = tensors[file] if idx else torchvision_transform(os.path.join(a.images, file), a.resize, a.crop, mean, std)
        y = s.run(None, {name: x})[0].reshape(-1)
        t = [int(i) for i in np.argsort(-y, kind="stable")[:5]]
        top1 += t[0] == label
        top5 += label in t
        preds.append({"file": file, "label": label, "top5": t})
    n = len(rows)
    res = {"model": a.model, "images": n, "top1": 100.0 * top1 / n, "top5": 100.0 * top5 / n,
           "onnxruntime": ort.__version__, "predictions": preds}
    print(f"onnxruntime {a.model}: {n} images: top-1 {res['top1']:.2f} % ({top1}), top-5 {res['top5']:.2f} % ({top5})")
    if a.mobiq_json:
        m = {p["file"]: p["top5"][0] for p in json.load(open(a.mobiq_json))["predictions"]}
        common = [p for p in preds if p["file"] in m]
        if len(common) != n:
            sys.exit(f"eval_onnxruntime.py: {a.mobiq_json} has {len(common)} of the {n} images")
        agree = sum(p["top5"][0] == m[p["file"]] for p in common)
        res["agreement_with_mobiq"] = 100.0 * agree / n
        print(f"top-1 agreement with {a.mobiq_json}: {res['agreement_with_mobiq']:.2f} % ({agree}/{n})")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
