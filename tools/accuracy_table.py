#!/usr/bin/env python3
"""Runs `mobiq eval` over INT8 configurations of one or more models and prints
the markdown tables of docs/accuracy.md: FP32 (a plain FP32 run), then each
INT8 configuration's top-1, top-5, delta against FP32 in %p, top-1 agreement
with FP32 and output SQNR. The same calibration samples for every row:

- held out (the default): the first --calib images (file-name order)
  calibrate, the rest (--skip) are evaluated;
- --calib-data F: the first --calib samples of F (e.g. the training set's IDX
  file) calibrate and all of --images are evaluated.

    accuracy_table.py --mobiq build/host/bin/mobiq --model M.onnx [--model M2.onnx ...]
                      --images DIR|IDX --labels L [--calib-data F] [--calib 100] [--threads 2]
                      [--extra "--mean 0.498 --std 0.502"] [--out DIR] [--plot F.png] [--summary F.json]
                      [--peers [--peer-args "--mean 0.498 --std 0.502"]]
    accuracy_table.py --mobiq build/host/bin/mobiq --fashion-mnist /usr/share/datasets/fashion-mnist
                      [--calib 500] [--plot F.png] [--summary F.json] [--reuse]

--fashion-mnist DIR: the three committed Fashion-MNIST models
(networks/fashion_mnist/*.onnx) unless --model is given, the 10,000 test
images, calibration on the first --calib training images, and an FP32 check
per model: its recorded torch and onnxruntime top-1 (networks/fashion_mnist/
<model>.json) against mobiq's, and mobiq's per-image top-1 against
onnxruntime's now (tools/eval_onnxruntime.py). --plot: one PNG, every
model's top-1 delta against FP32 per configuration.

--peers (held-out photos): in the same run, tools/eval_peers.py on the same
split and calibration photos (onnxruntime INT8, OpenVINO INT8 with nncf, each
against its own FP32); their rows follow mobiq's in the tables and the plot.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
FASHION_MODELS = ["resnet", "mobilenet_v1", "vgg"]

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
    ("asym act / sym w (7-bit) / per-channel / minmax", ["--weight-bits", "7"]),
    ("asym act / sym w / per-channel / percentile", ["--calibration", "percentile"]),
    ("asym act / sym w / per-channel / entropy", ["--calibration", "entropy"]),
    ("asym act / sym w / per-channel / minmax, BN not folded", ["--no-bn-fold"]),
]


def run(cmd, reuse=None):
    """Runs cmd; with reuse (the JSON file cmd writes) existing, reads that instead (--reuse)."""
    if reuse and os.path.exists(reuse):
        return None
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"accuracy_table.py: {' '.join(cmd)}\n{r.stderr}")
    return r


def load(path):
    with open(path) as f:
        return json.load(f)


def evaluate(a, model, out):
    """Every row of one model: {'fp32': eval JSON, 'rows': [(label, eval JSON)]}."""
    os.makedirs(out, exist_ok=True)
    skip = [] if a.calib_data else ["--skip", str(a.calib)]
    base = [a.mobiq, "eval", "--model", model, "--images", a.images, "--labels", a.labels, *skip, "--threads",
            str(a.threads), "--no-progress", *shlex.split(a.extra)]
    calib = a.calib_data or a.images
    fp32 = os.path.join(out, "fp32.json")
    # FP32 as --compare-fp32 runs it: the default plan without Winograd (decision 41).
    run(base + ["--conv", "auto-no-winograd", "--json", fp32], a.reuse and fp32)
    res = {"fp32": load(fp32), "rows": []}
    for i, (label, flags) in enumerate(CONFIGS):
        j = os.path.join(out, f"run{i:02d}.json")
        run(base + ["--precision", "int8", "--calib-data", calib, "--calib-limit", str(a.calib), "--compare-fp32",
                    "--json", j, *flags], a.reuse and j)
        res["rows"].append((label, load(j)))
        r = res["rows"][-1][1]
        print(f"{os.path.basename(model)}: {label}: top-1 {r['top1']:.2f} % (FP32 {r['fp32_top1']:.2f} %)",
              file=sys.stderr, flush=True)
    # The plain FP32 run and the FP32 session of each comparison are the same engine on the same images.
    for label, r in res["rows"]:
        if label.endswith("BN not folded"):
            continue  # its FP32 session keeps BN as a layer: rounding may differ
        if abs(r["fp32_top1"] - res["fp32"]["top1"]) > 1e-9:
            sys.exit(f"accuracy_table.py: {model}: FP32 top-1 {res['fp32']['top1']} alone, {r['fp32_top1']} "
                     f"beside '{label}'")
    return res


def peers(a, model, out):
    """onnxruntime / OpenVINO INT8 on the same held-out split: [(label, {top1, top5, agreement, sqnr_db,
    fp32_top1})], each against its own engine's FP32."""
    j = os.path.join(out, "peers.json")
    run([sys.executable, os.path.join(HERE, "eval_peers.py"), "--model", model, "--images", a.images, "--labels",
         a.labels, "--calib", str(a.calib), "--threads", str(a.threads), "--json", j, *shlex.split(a.peer_args)],
        a.reuse and j)
    res = load(j)["results"]
    fp32 = {k.split()[0]: v for k, v in res.items() if " FP32" in k}
    rows = []
    for k, v in res.items():
        if " INT8" in k:
            rows.append((k, dict(v, fp32_top1=fp32[k.split()[0]]["top1"])))
    return rows


def fp32_check(a, model, res, out):
    """Recorded torch / onnxruntime top-1 against mobiq's; mobiq's predictions against onnxruntime's now."""
    rec = load(os.path.splitext(model)[0] + ".json")
    o = os.path.join(out, "onnxruntime.json")
    run([sys.executable, os.path.join(HERE, "eval_onnxruntime.py"), "--model", model, "--images", a.images,
         "--labels", a.labels, "--threads", str(a.threads), "--mobiq-json", os.path.join(out, "fp32.json"),
         "--json", o, *(["--skip", str(a.calib)] if not a.calib_data else [])], a.reuse and o)
    ort = load(o)
    return dict(torch=rec["torch_top1"], onnxruntime_recorded=rec["onnxruntime_top1"], onnxruntime=ort["top1"],
                mobiq=res["fp32"]["top1"], mobiq_vs_onnxruntime_agreement=ort["agreement_with_mobiq"],
                onnxruntime_version=ort["onnxruntime"], parameters=rec["parameters"])


def table(name, res):
    fp = res["fp32"]
    lines = [f"**{name}**: FP32 top-1 {fp['top1']:.2f} % ({fp['top1_correct']}/{fp['images']})", "",
             "| configuration | top-1 % | top-5 % | delta top-1 %p | top-1 agreement % | output SQNR dB |",
             "|---|---|---|---|---|---|",
             f"| FP32 | {fp['top1']:.2f} | {fp['top5']:.2f} | | | |"]
    for label, r in res["rows"]:
        sq = "exact" if r["sqnr_db"] is None else f"{r['sqnr_db']:.2f}"
        lines.append(f"| INT8 {label} | {r['top1']:.2f} | {r['top5']:.2f} | {r['top1'] - fp['top1']:+.2f} | "
                     f"{r['agreement']:.2f} | {sq} |")
    for label, r in res.get("peers", []):  # against their own FP32 (the same top-1 as mobiq's here)
        lines.append(f"| peer: {label} (own FP32 top-1 {r['fp32_top1']:.2f} %) | {r['top1']:.2f} | "
                     f"{r['top5']:.2f} | {r['top1'] - r['fp32_top1']:+.2f} | {r['agreement']:.2f} | "
                     f"{r['sqnr_db']:.2f} |")
    return "\n".join(lines)


def plot(path, results):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    names = list(results)
    labels = [f"INT8 {label}" for label, _ in CONFIGS]
    peer_labels = list(dict.fromkeys(p for n in names for p, _ in results[n].get("peers", [])))
    labels += [f"peer: {p}" for p in peer_labels]

    def peer_delta(n, p):
        r = dict(results[n].get("peers", [])).get(p)
        return np.nan if r is None else r["top1"] - r["fp32_top1"]

    deltas = np.array([[r["top1"] - results[n]["fp32"]["top1"] for _, r in results[n]["rows"]] +
                       [peer_delta(n, p) for p in peer_labels] for n in names])
    lo = min(-1.0, float(np.nanmin(deltas)))
    # A scale that shows tenths of a point and a collapse of tens of points at once.
    fig, ax = plt.subplots(figsize=(11, 6))
    width = 0.8 / len(names)
    y = np.arange(len(labels))
    for i, n in enumerate(names):
        ax.barh(y + (i - (len(names) - 1) / 2) * width, deltas[i], width,
                label=f"{n} (FP32 top-1 {results[n]['fp32']['top1']:.2f} %)")
        for yy, d in zip(y + (i - (len(names) - 1) / 2) * width, deltas[i]):
            if np.isnan(d):
                continue
            if d < -1:  # a long bar: the value inside it, clear of the axis labels
                ax.text(d * 0.95, yy, f"{d:+.2f}", va="center", ha="left", fontsize=7, color="white")
            else:
                ax.text(d - 0.02 if d < 0 else d + 0.02, yy, f"{d:+.2f}", va="center",
                        ha="right" if d < 0 else "left", fontsize=7)
    # Linear within +-1 %p (stretched: most deltas are tenths), logarithmic beyond (a collapse of tens of points).
    ax.set_xscale("symlog", linthresh=1.0, linscale=2.0)
    ax.set_xlim(lo * 1.6, 1.2)
    ticks = [t for t in (-100, -50, -10, -1, -0.5, 0, 0.5, 1) if t >= lo * 1.6]
    ax.set_xticks(ticks)
    ax.set_xticklabels([f"{t:g}" for t in ticks])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.axvline(-0.31, color="grey", linestyle=":", linewidth=0.8,
               label="-0.31 %p: the paper's total loss (issue 11's Winograd goal)")
    ax.set_yticks(y)
    ax.set_yticklabels(labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("top-1 delta against FP32, %p (symmetric log scale, linear within +-1)")
    first = results[names[0]]["fp32"]
    ax.set_title(f"INT8 against FP32, top-1 on {first['images']} images ({first['cpu']})", fontsize=9)
    ax.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.1), ncol=2)  # below: clear of the bars
    ax.grid(axis="x", linewidth=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--model", action="append", help="repeat for several models")
    ap.add_argument("--images")
    ap.add_argument("--labels")
    ap.add_argument("--fashion-mnist", metavar="DIR", help="Debian dataset-fashion-mnist's folder (see above)")
    ap.add_argument("--calib-data", help="calibrate on this (its first --calib samples); evaluate all --images")
    ap.add_argument("--calib", type=int, default=100)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--extra", default="", help="more eval flags for every run (preprocessing)")
    ap.add_argument("--out", default=".", help="where the JSON of each run goes (a folder per model)")
    ap.add_argument("--plot", help="PNG of every model's top-1 delta per configuration")
    ap.add_argument("--summary", help="JSON of every number in the tables")
    ap.add_argument("--peers", action="store_true", help="also onnxruntime and OpenVINO INT8 on the same split "
                    "(tools/eval_peers.py; held-out photos only)")
    ap.add_argument("--peer-args", default="", help="more eval_peers.py flags (its preprocessing: --mean a,b,c ...)")
    ap.add_argument("--reuse", action="store_true", help="read the run JSON files an earlier run of the same "
                    "command left in --out instead of running again (e.g. to redraw the plot)")
    a = ap.parse_args()
    if a.fashion_mnist:
        d = a.fashion_mnist
        a.images = a.images or os.path.join(d, "t10k-images-idx3-ubyte.gz")
        a.labels = a.labels or os.path.join(d, "t10k-labels-idx1-ubyte.gz")
        a.calib_data = a.calib_data or os.path.join(d, "train-images-idx3-ubyte.gz")
        a.model = a.model or [os.path.join(HERE, "..", "networks", "fashion_mnist", f"{m}.onnx")
                              for m in FASHION_MODELS]
    if a.peers and a.calib_data:
        ap.error("--peers evaluates the held-out split (no --calib-data / --fashion-mnist)")
    if not a.model or not a.images or not a.labels:
        ap.error("--model, --images and --labels are needed (or --fashion-mnist DIR)")
    results, checks = {}, {}
    for model in a.model:
        name = os.path.splitext(os.path.basename(model))[0]
        out = os.path.join(a.out, name)
        results[name] = evaluate(a, model, out)
        if a.peers:
            results[name]["peers"] = peers(a, model, out)
        if a.fashion_mnist:
            checks[name] = fp32_check(a, model, results[name], out)
    first = next(iter(results.values()))["fp32"]
    if a.calib_data:
        print(f"{first['images']} images of {a.images}; calibration: the first {a.calib} of {a.calib_data}; "
              f"CPU: {first['cpu']}\n")
    else:
        print(f"{first['images']} images (after the first {a.calib}, which calibrate); CPU: {first['cpu']}\n")
    if checks:
        print("| model | parameters | torch FP32 top-1 % | onnxruntime FP32 top-1 % | mobiq FP32 top-1 % | "
              "mobiq vs onnxruntime top-1 agreement % |")
        print("|---|---|---|---|---|---|")
        for n, c in checks.items():
            print(f"| {n} | {c['parameters']} | {c['torch']:.2f} | {c['onnxruntime']:.2f} | {c['mobiq']:.2f} | "
                  f"{c['mobiq_vs_onnxruntime_agreement']:.2f} |")
        print()
    for n, res in results.items():
        print(table(n, res) + "\n")
    if len(results) > 1:
        names = list(results)
        print("| configuration | " + " | ".join(f"{n} delta %p / agreement %" for n in names) + " |")
        print("|---|" + "---|" * len(names))
        for i, (label, _) in enumerate(CONFIGS):
            cells = []
            for n in names:
                r = results[n]["rows"][i][1]
                cells.append(f"{r['top1'] - results[n]['fp32']['top1']:+.2f} / {r['agreement']:.2f}")
            print(f"| INT8 {label} | " + " | ".join(cells) + " |")
    if a.plot:
        plot(a.plot, results)
    if a.summary:
        summ = {n: dict(fp32=dict(top1=r["fp32"]["top1"], top5=r["fp32"]["top5"], images=r["fp32"]["images"]),
                        int8=[dict(configuration=label, flags=flags, top1=x["top1"], top5=x["top5"],
                                   delta_top1=x["top1"] - r["fp32"]["top1"], agreement=x["agreement"],
                                   sqnr_db=x["sqnr_db"]) for (label, x), (_, flags) in zip(r["rows"], CONFIGS)],
                        peers=[dict(engine=label, **x) for label, x in r.get("peers", [])],
                        fp32_check=checks.get(n)) for n, r in results.items()}
        summ["_run"] = dict(cpu=first["cpu"], images=a.images, calib_data=a.calib_data or a.images, calib=a.calib,
                            threads=a.threads, reused_earlier_runs=a.reuse,
                            command="tools/accuracy_table.py " + " ".join(x for x in sys.argv[1:] if x != "--reuse"))
        with open(a.summary, "w") as f:
            json.dump(summ, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
