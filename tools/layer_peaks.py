#!/usr/bin/env python3
"""Every layer of a network, whole-network runs, as a share of the machine's
measured peak, for several mobiq configurations side by side (e.g. the binary
before a change and after it):

    layer_peaks.py --models build/models --network resnet50 --precision int8 --threads 2
        --peak build/host/bench/machine_peak
        --config "before|/tmp/old/mobiq|" --config "after|build/host/bin/mobiq|--requantization fp32"
        [--rounds 5] [--md out.md] [--png out.png] [--json out.json]

A config is "label|binary|extra flags"; its flags may set its own --precision
(INT8 and FP32 configurations in one run). --winograd-layers keeps the rows
of the layers some configuration ran with Winograd, adds each one's ratio to
the first configuration and the Winograd stages (input transform, tap GEMMs,
output transform). Rounds interleave the configurations
(c1, c2, ..., c1, c2, ...); each round is one `mobiq bench --profile` (its
per-layer times are medians over the round's runs); a layer's time is the
median over rounds. The peaks (tools: bench/machine_peak) are measured before
and after the runs and the larger kept (interference only lowers them). INT8
layers on Intel AMX kernels are held to the AMX peak, the other INT8 layers
to the int8 peak (AVX-512 VNNI, or vpmaddwd on CPUs without it), FP32 layers
to the FMA peak. INT8 calibrates every
configuration on the same 4 seeded samples.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile

import numpy as np

from bench_common import print_and_write, parse_configs, seeded_calibration

RUNS = {"resnet50": 10, "mobilenet_v1": 30, "vgg16": 4}


def cpu_name():
    try:
        for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
            if line.startswith("Model name:"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def peak(binary, threads):
    r = subprocess.run([binary, str(threads)], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"layer_peaks.py: {binary} failed: {r.stderr.strip()}")
    return json.loads(r.stdout)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--models")
    ap.add_argument("--network", default="resnet50")
    ap.add_argument("--precision", default="int8", choices=["int8", "fp32"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--peak", help="the machine_peak program")
    ap.add_argument("--config", action="append")
    ap.add_argument("--md")
    ap.add_argument("--png")
    ap.add_argument("--json")
    ap.add_argument("--replot", help="only redraw --png from this earlier --json")
    ap.add_argument("--winograd-layers", action="store_true",
                    help="only the layers some configuration ran with Winograd, with ratios and stages")
    a = ap.parse_args()
    if not a.replot and (not a.models or not a.peak or not a.config):
        ap.error("--models, --peak and --config are required (unless --replot)")
    if a.replot:
        with open(a.replot) as f:
            results = json.load(f)
        plot(results, list(results["configs"]), a.png)
        return
    configs = parse_configs(a.config, "layer_peaks.py")

    tmp = tempfile.mkdtemp()
    calib = os.path.join(tmp, "calibration.npy")
    seeded_calibration(calib)
    model = os.path.join(a.models, a.network + ".onnx")
    print("measuring the peaks ...", file=sys.stderr, flush=True)
    p0 = peak(a.peak, a.threads)

    def precision_of(flags):
        return flags[flags.index("--precision") + 1] if "--precision" in flags else a.precision

    per = {label: [] for label, _, _ in configs}  # label -> [round profile json]
    for r in range(a.rounds):
        for label, binary, flags in configs:
            out = os.path.join(tmp, "b.json")
            cmd = [binary, "bench", "--model", model, "--threads", str(a.threads),
                   "--runs", str(RUNS.get(a.network, 5)), "--warmup", "2", "--profile", "--json", out, *flags]
            if "--precision" not in flags:
                cmd += ["--precision", a.precision]
            if precision_of(flags) == "int8":
                cmd += ["--calib-data", calib]
            res = subprocess.run(cmd, capture_output=True, text=True)
            if res.returncode != 0:
                sys.exit(f"layer_peaks.py: {' '.join(cmd)} failed: {res.stderr.strip()}")
            with open(out) as f:
                per[label].append(json.load(f))
            print(f"[{a.network} {a.precision} round {r + 1}/{a.rounds}] {label} "
                  f"{per[label][-1]['median_ms']:.2f} ms", file=sys.stderr, flush=True)
    p1 = peak(a.peak, a.threads)
    pk = {k: max(p0.get(k, 0), p1.get(k, 0)) for k in
          ("peak_int8_GMACps", "peak_fp32_GMACps", "peak_amx_int8_GMACps", "peak_int8_saturating_GMACps")}
    # The instruction each peak was measured with: AVX-512 VNNI / FMA zmm, or
    # on CPUs without AVX-512 (AMD Zen 3) AVX2's vpmaddwd / FMA ymm.
    pk["int8_instruction"] = p0.get("int8_instruction", "vpdpbusd zmm")
    pk["fp32_instruction"] = p0.get("fp32_instruction", "vfmadd zmm")

    def layer_peak(variant, precision):
        if precision == "fp32":
            return pk["peak_fp32_GMACps"], "fma"
        if "amx" in variant and pk["peak_amx_int8_GMACps"] > 0:
            return pk["peak_amx_int8_GMACps"], "amx"
        # 7-bit-weight kernels (decision 55) run vpmaddubsw: held to that instruction's peak.
        if "_w7" in variant and pk["peak_int8_saturating_GMACps"] > 0:
            return pk["peak_int8_saturating_GMACps"], "int8 vpmaddubsw"
        return pk["peak_int8_GMACps"], "int8"

    results = {"cpu": cpu_name(), "threads": a.threads, "network": a.network, "precision": a.precision,
               "rounds": a.rounds, "peaks": pk, "configs": {}}
    for label, binary, flags in configs:
        rounds = per[label]
        names = [l["name"] for l in rounds[0]["layers"]]
        layers = []
        for i, name in enumerate(names):
            ms = float(np.median([rd["layers"][i]["ms"] for rd in rounds]))
            macs = rounds[0]["layers"][i]["MACs"]
            variant = rounds[0]["layers"][i]["variant"]
            pv, which = layer_peak(variant, precision_of(flags))
            share = (macs / (ms * 1e-3)) / (pv * 1e9) * 100 if ms > 0 and macs > 0 else 0.0
            stages = {k: float(np.median([rd["layers"][i].get("stages", {}).get(k, 0) for rd in rounds]))
                      for k in rounds[0]["layers"][i].get("stages", {})}
            layers.append({"name": name, "op": rounds[0]["layers"][i]["op"], "variant": variant, "ms": ms,
                           "MACs": macs, "peak": which, "pct_of_peak": share,
                           "method": rounds[0]["layers"][i]["method"], "stages": stages})
        total = float(np.median([t for rd in rounds for t in rd["times_ms"]]))
        macs = rounds[0]["macs"]
        rate = macs / (total * 1e-3) / 1e9
        results["configs"][label] = {
            "command": " ".join([binary, *flags]), "precision": precision_of(flags), "median_ms": total, "layers": layers,
            "whole_pct_vnni": rate / pk["peak_int8_GMACps"] * 100 if pk["peak_int8_GMACps"] else 0,
            "whole_pct_amx": rate / pk["peak_amx_int8_GMACps"] * 100 if pk["peak_amx_int8_GMACps"] else 0,
            "whole_pct_fma": rate / pk["peak_fp32_GMACps"] * 100 if pk["peak_fp32_GMACps"] else 0,
            "whole_pct_saturating": (rate / pk["peak_int8_saturating_GMACps"] * 100
                                     if pk["peak_int8_saturating_GMACps"] else 0)}

    labels = [c[0] for c in configs]
    lines = [f"CPU: {results['cpu']}; {a.threads} thread(s); {a.network} {a.precision}; {a.rounds} interleaved rounds; "
             f"peaks (machine_peak, best of before/after): int8 ({pk['int8_instruction']}) {pk['peak_int8_GMACps']:.0f} GMAC/s, "
             f"AMX int8 {pk['peak_amx_int8_GMACps']:.0f} GMAC/s, fp32 ({pk['fp32_instruction']}) {pk['peak_fp32_GMACps']:.0f} GMAC/s"
             + (f", int8 saturating vpmaddubsw (the peers' AVX2 path) {pk['peak_int8_saturating_GMACps']:.0f} GMAC/s"
                if pk["peak_int8_saturating_GMACps"] else "") + ".", ""]
    for label in labels:
        c = results["configs"][label]
        lines.append(f"- {label}: `{c['command']}`: whole network {c['median_ms']:.2f} ms = "
                     f"{c['whole_pct_vnni']:.0f}% of the int8 ({pk['int8_instruction']}) peak, {c['whole_pct_amx']:.1f}% of the AMX peak"
                     + (f", {c['whole_pct_fma']:.0f}% of the FMA peak" if a.precision == "fp32" else "")
                     + (f", {c['whole_pct_saturating']:.0f}% of the vpmaddubsw peak" if c["whole_pct_saturating"] else ""))
    lines += ["", "| layer | MMACs | " + " | ".join(f"{l} ms | {l} % of peak" for l in labels) + " |",
              "|---|---:|" + "---:|---:|" * len(labels)]
    first = results["configs"][labels[0]]["layers"]
    by_label = {l: {x["name"]: x for x in results["configs"][l]["layers"]} for l in labels}
    if a.winograd_layers:
        wl = {n for l in labels for n, x in by_label[l].items() if x["method"] == "winograd"}
        first = [x for x in first if x["name"] in wl]
        lines[-2] = "| layer | MMACs | " + " | ".join(f"{l} ms (x vs {labels[0]}) | % of peak" for l in labels) + " |"
    for x in first:
        cells = []
        for l in labels:
            y = by_label[l].get(x["name"])
            if y is None:
                cells.append("- | -")
            elif y["MACs"] == 0:
                cells.append(f"{y['ms']:.3f} | -")
            elif a.winograd_layers:
                ratio = x["ms"] / y["ms"] if y["ms"] > 0 else 0
                cells.append(f"{y['ms']:.3f} ({ratio:.2f}x) | {y['pct_of_peak']:.0f} ({y['peak']})")
            else:
                cells.append(f"{y['ms']:.3f} | {y['pct_of_peak']:.0f} ({y['peak']})")
        lines.append(f"| {x['name']} | {x['MACs'] / 1e6:.1f} | " + " | ".join(cells) + " |")
    if a.winograd_layers:  # where the Winograd layers' time goes
        wlab = [l for l in labels if any(v["method"] == "winograd" for v in by_label[l].values())]
        lines += ["", "Winograd stages (ms; with blocks in parallel, summed over the blocks' threads):", "",
                  "| layer | " + " | ".join(f"{l}: input / tap GEMMs / output" for l in wlab) + " |",
                  "|---|" + "---|" * len(wlab)]
        for x in first:
            cells = []
            for l in wlab:
                st = by_label[l][x["name"]].get("stages", {})
                vals = [next((v for k, v in st.items() if k.startswith(p)), None) for p in ("input", "tap", "output")]
                cells.append(" / ".join("-" if v is None else f"{v:.3f}" for v in vals))
            lines.append(f"| {x['name']} | " + " | ".join(cells) + " |")
    text = "\n".join(lines) + "\n"
    print_and_write(text, a.md, a.json, results)
    if a.png:
        plot(results, labels, a.png)


def plot(results, labels, path):
    """Effective GMAC/s per layer (one yardstick for every kernel), with the peaks as lines."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    first = results["configs"][labels[0]]["layers"]
    by_label = {l: {x["name"]: x for x in results["configs"][l]["layers"]} for l in labels}
    conv = [x["name"] for x in first if x["MACs"] > 0]
    fig, ax = plt.subplots(figsize=(max(8, len(conv) * 0.22), 4.8))
    w = 0.8 / len(labels)
    for k, l in enumerate(labels):
        vals = [by_label[l][n]["MACs"] / (by_label[l][n]["ms"] * 1e-3) / 1e9 if n in by_label[l] else 0 for n in conv]
        ax.bar(np.arange(len(conv)) + k * w, vals, w, label=f"{l} ({results['configs'][l]['median_ms']:.2f} ms)")
    pk = results["peaks"]
    names = {"peak_int8_GMACps": f"int8 peak ({pk.get('int8_instruction', 'vpdpbusd zmm')})",
             "peak_amx_int8_GMACps": "AMX int8 peak",
             "peak_fp32_GMACps": f"fp32 peak ({pk.get('fp32_instruction', 'vfmadd zmm')})"}
    keys = ["peak_fp32_GMACps"] if results["precision"] == "fp32" else ["peak_int8_GMACps"]
    for key in keys:
        ax.axhline(pk[key], color="k", linestyle="--", linewidth=0.8)
        ax.text(0, pk[key], " " + names[key], fontsize=7, va="bottom")
    ax.set_xticks(np.arange(len(conv)) + 0.4 - w / 2)
    ax.set_xticklabels(conv, rotation=90, fontsize=6)
    ax.set_ylabel("GMAC/s inside the whole network")
    amx = f", AMX int8 peak {pk['peak_amx_int8_GMACps']:.0f} GMAC/s (off the chart)" if pk["peak_amx_int8_GMACps"] else ""
    ax.set_title(f"{results['network']} {results['precision']}, every layer ({results['cpu']}, {results['threads']} "
                 f"threads{amx})", fontsize=9)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=120)

if __name__ == "__main__":
    main()
