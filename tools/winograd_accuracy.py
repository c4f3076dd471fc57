#!/usr/bin/env python3
"""The Winograd rows of docs/accuracy.md: every Winograd variant of mobiq on the
models' 3x3 stride-1 layers, beside FP32 and plain INT8 (the default scheme,
im2col / implicit GEMM), with the same calibration samples for every row:

    winograd_accuracy.py --mobiq build/host/bin/mobiq --fashion-mnist /usr/share/datasets/fashion-mnist
                         [--model M.onnx ...] [--calib 500] [--threads 2] [--out DIR]
                         [--plot F.png] [--summary F.json] [--reuse]

--fashion-mnist DIR: the committed Fashion-MNIST ResNet and VGG (networks/
fashion_mnist; the MobileNet has no layer Winograd applies to), all 10,000 test
images, calibration on the first --calib training images (as
tools/accuracy_table.py). Each row: top-1, top-5, delta against FP32 and
against plain INT8 in %p, top-1 agreement with FP32 and with plain INT8 (per
image, from the runs' predictions), output SQNR against FP32. The INT8
variants run the default INT8 scheme (asym activations, sym per-channel
weights, min-max) on every other layer; the FP32 variants are FP32 sessions
compared with FP32's default plan without Winograd (`--conv auto-no-winograd`).
"""
import argparse
import json
import os
import shlex
import sys

from accuracy_table import HERE, load, run

WINOGRAD_MODELS = ["resnet", "vgg"]

# (label, precision, flags)
ROWS = [
    ("INT8 (default plan: im2col / implicit GEMM)", "int8", []),
    ("INT8 Winograd int16 F(2x2,3x3) (exact)", "int8", ["--conv", "winograd-int16"]),
    ("INT8 Winograd int6w4 F(2x2,3x3) (the paper's INT6 inputs / INT4 weights)", "int8", ["--conv", "winograd-int6w4"]),
    ("INT8 Winograd tapwise F(2x2,3x3)", "int8", ["--conv", "winograd-tapwise", "--winograd-tile", "2"]),
    ("INT8 Winograd tapwise F(4x4,3x3)", "int8", ["--conv", "winograd-tapwise", "--winograd-tile", "4"]),
    ("FP32 Winograd F(2x2,3x3)", "fp32", ["--conv", "winograd-fp32", "--winograd-tile", "2"]),
    ("FP32 Winograd F(4x4,3x3)", "fp32", ["--conv", "winograd-fp32", "--winograd-tile", "4"]),
    # Last, so that --reuse keeps the earlier rows' files (winogradNN.json by position).
    ("INT8 Winograd int6w8 F(2x2,3x3) (INT6 inputs, weights transformed in float then int8)", "int8",
     ["--conv", "winograd-int6w8"]),
]
PLAIN = 0  # the row the others are compared with as "plain INT8"


def agreement(a, b):
    """Per-image top-1 agreement of two eval runs on the same images, in %."""
    pa, pb = a["predictions"], b["predictions"]
    assert [p["file"] for p in pa] == [p["file"] for p in pb]
    return 100.0 * sum(x["top5"][0] == y["top5"][0] for x, y in zip(pa, pb)) / len(pa)


def evaluate(a, model, out):
    os.makedirs(out, exist_ok=True)
    base = [a.mobiq, "eval", "--model", model, "--images", a.images, "--labels", a.labels, "--threads",
            str(a.threads), "--no-progress"]
    fp32 = os.path.join(out, "fp32.json")
    # FP32 as --compare-fp32 runs it: the default plan without Winograd (decision 41).
    run(base + ["--conv", "auto-no-winograd", "--json", fp32], a.reuse and fp32)
    res = {"fp32": load(fp32), "rows": []}
    for i, (label, precision, flags) in enumerate(ROWS):
        j = os.path.join(out, f"winograd{i:02d}.json")
        calib = ["--calib-data", a.calib_data, "--calib-limit", str(a.calib)] if precision == "int8" else []
        run(base + ["--precision", precision, *calib, "--compare-fp32", "--json", j, *flags], a.reuse and j)
        r = load(j)
        if abs(r["fp32_top1"] - res["fp32"]["top1"]) > 1e-9:
            sys.exit(f"winograd_accuracy.py: {model}: FP32 top-1 {res['fp32']['top1']} alone, {r['fp32_top1']} "
                     f"beside '{label}'")
        res["rows"].append((label, r))
        print(f"{os.path.basename(model)}: {label}: top-1 {r['top1']:.2f} % (FP32 {r['fp32_top1']:.2f} %)",
              file=sys.stderr, flush=True)
    plain = res["rows"][PLAIN][1]
    res["vs_plain"] = [agreement(r, plain) for _, r in res["rows"]]
    return res


def table(name, res):
    fp, plain = res["fp32"], res["rows"][PLAIN][1]
    lines = [f"**{name}**: FP32 top-1 {fp['top1']:.2f} % ({fp['top1_correct']}/{fp['images']})", "",
             "| configuration | top-1 % | top-5 % | delta vs FP32 %p | delta vs plain INT8 %p | "
             "agreement with FP32 % | agreement with plain INT8 % | output SQNR vs FP32 dB |",
             "|---|---|---|---|---|---|---|---|",
             f"| FP32 (default plan without Winograd) | {fp['top1']:.2f} | {fp['top5']:.2f} | | | | | |"]
    for (label, r), vp in zip(res["rows"], res["vs_plain"]):
        plain_cells = ("", "") if r is plain else (f"{r['top1'] - plain['top1']:+.2f}", f"{vp:.2f}")
        sq = "exact" if r["sqnr_db"] is None else f"{r['sqnr_db']:.2f}"
        lines.append(f"| {label} | {r['top1']:.2f} | {r['top5']:.2f} | {r['top1'] - fp['top1']:+.2f} | "
                     f"{plain_cells[0]} | {r['agreement']:.2f} | {plain_cells[1]} | {sq} |")
    return "\n".join(lines)


def plot(path, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(results)
    labels = [label for label, _, _ in ROWS]
    fig, axes = plt.subplots(1, 2, figsize=(13, 5), sharey=True)
    y = np.arange(len(labels))
    width = 0.8 / len(names)
    for i, n in enumerate(names):
        res = results[n]
        delta = [r["top1"] - res["fp32"]["top1"] for _, r in res["rows"]]
        sq = [min(r["sqnr_db"] or 60.0, 60.0) for _, r in res["rows"]]
        off = y + (i - (len(names) - 1) / 2) * width
        lab = f"{n} (FP32 top-1 {res['fp32']['top1']:.2f} %)"
        axes[0].barh(off, delta, width, label=lab)
        axes[1].barh(off, sq, width, label=lab)
        for yy, d, s in zip(off, delta, sq):
            axes[0].text(d - 0.02 if d < 0 else d + 0.02, yy, f"{d:+.2f}", va="center",
                         ha="right" if d < 0 else "left", fontsize=7)
            axes[1].text(s + 0.5, yy, f"{s:.1f}", va="center", ha="left", fontsize=7)
    lo = min(-0.5, min(r["top1"] - results[n]["fp32"]["top1"] for n in names for _, r in results[n]["rows"]))
    axes[0].set_xlim(lo * 1.3, 0.5)
    axes[0].axvline(0, color="black", linewidth=0.8)
    axes[0].axvline(-0.31, color="grey", linestyle=":", linewidth=0.8, label="-0.31 %p: the paper's total loss")
    axes[0].set_xlabel("top-1 delta against FP32, %p")
    axes[1].set_xlabel("output SQNR against FP32, dB (capped at 60)")
    axes[0].set_yticks(y)
    axes[0].set_yticklabels(labels, fontsize=8)
    axes[0].invert_yaxis()
    axes[0].legend(fontsize=8, loc="lower left")
    for ax in axes:
        ax.grid(axis="x", linewidth=0.3)
    first = results[names[0]]["fp32"]
    fig.suptitle(f"mobiq Winograd variants, {first['images']} Fashion-MNIST test images ({first['cpu']})",
                 fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--model", action="append", help="repeat for several models")
    ap.add_argument("--fashion-mnist", metavar="DIR", required=True,
                    help="Debian dataset-fashion-mnist's folder")
    ap.add_argument("--calib", type=int, default=500)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", default=".", help="where the JSON of each run goes (a folder per model)")
    ap.add_argument("--plot", help="PNG: top-1 delta and SQNR per row and model")
    ap.add_argument("--summary", help="JSON of every number in the tables")
    ap.add_argument("--reuse", action="store_true", help="read the run JSON files an earlier run left in --out")
    a = ap.parse_args()
    d = a.fashion_mnist
    a.images = os.path.join(d, "t10k-images-idx3-ubyte.gz")
    a.labels = os.path.join(d, "t10k-labels-idx1-ubyte.gz")
    a.calib_data = os.path.join(d, "train-images-idx3-ubyte.gz")
    a.model = a.model or [os.path.join(HERE, "..", "networks", "fashion_mnist", f"{m}.onnx") for m in WINOGRAD_MODELS]
    results = {}
    for model in a.model:
        name = os.path.splitext(os.path.basename(model))[0]
        results[name] = evaluate(a, model, os.path.join(a.out, name))
    first = next(iter(results.values()))["fp32"]
    print(f"{first['images']} images of {a.images}; calibration: the first {a.calib} of {a.calib_data}; "
          f"CPU: {first['cpu']}\n")
    for n, res in results.items():
        print(table(n, res) + "\n")
    if a.plot:
        plot(a.plot, results)
    if a.summary:
        summ = {n: dict(fp32=dict(top1=r["fp32"]["top1"], top5=r["fp32"]["top5"], images=r["fp32"]["images"]),
                        rows=[dict(configuration=label, precision=prec, flags=flags, top1=x["top1"], top5=x["top5"],
                                   delta_top1=x["top1"] - r["fp32"]["top1"],
                                   delta_vs_plain_int8=x["top1"] - r["rows"][PLAIN][1]["top1"],
                                   agreement=x["agreement"], agreement_with_plain_int8=vp, sqnr_db=x["sqnr_db"])
                              for (label, x), (_, prec, flags), vp in zip(r["rows"], ROWS, r["vs_plain"])])
                for n, r in results.items()}
        summ["_run"] = dict(cpu=first["cpu"], images=a.images, calib_data=a.calib_data, calib=a.calib,
                            threads=a.threads, reused_earlier_runs=a.reuse,
                            command="tools/winograd_accuracy.py " + " ".join(shlex.quote(x) for x in sys.argv[1:]
                                                                              if x != "--reuse"))
        with open(a.summary, "w") as f:
            json.dump(summ, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
