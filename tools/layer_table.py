#!/usr/bin/env python3
"""Tables (markdown) and a plot (PNG) from layer_bench JSON, one file per run
(thread count or device). For every distinct layer of every network: the
median time of each method, the best INT8 and best FP32 method, their ratio
and (CPU runs) % of the peak measured in the same run; then per network the
layer-count-weighted totals of the best methods and of the GEMM-only methods
(the paper's INT8 GEMM vs FP32 GEMM comparison).

Winograd methods (int8_winograd_*, fp32_winograd_*) count the direct
convolution's MACs, so their % of peak is an effective rate (it can pass
100%). int8_winograd_int6w4 runs other operands (INT6 inputs, INT4 weights):
it is listed with the methods but never chosen as the best INT8 one.
"""
import argparse
import json
import sys

from bench_report import pyplot, write_text
from collections import OrderedDict


def load(path):
    with open(path) as f:
        data = json.load(f)
    try:
        with open(path + ".peak") as f:
            ctx = json.load(f)
    except FileNotFoundError:
        ctx = {"family": data["context"].get("family", "?"), "threads": 0, "peak_int8_GMACps": 0, "peak_fp32_GMACps": 0}
    layers = OrderedDict()  # (network, layer) -> {method: stats}
    for b in data["benchmarks"]:
        agg = b.get("aggregate_name")
        if agg not in (None, "median", "cv") or b.get("error_occurred"):
            continue
        network, layer, method = b.get("run_name", b["name"]).split("/")[:3]
        e = layers.setdefault((network, layer), OrderedDict()).setdefault(method, {})
        if agg == "cv":
            e["cv"] = b["real_time"]
        else:
            e["ms"] = b["real_time"]
            e["macs"] = b["MACs"]
            e["count"] = int(b["layers"])
    return ctx, layers


# Methods of another quantization than the INT8 scheme (layer_bench's header).
NOT_INT8_SCHEME = ("int8_winograd_int6w4",)


def best(methods, prefix):
    cands = [(m, s) for m, s in methods.items()
             if m.startswith(prefix) and "ms" in s and not m.startswith(NOT_INT8_SCHEME)]
    return min(cands, key=lambda ms: ms[1]["ms"]) if cands else (None, None)


def render(ctx, layers):
    cpu = ctx["peak_int8_GMACps"] > 0
    title = f"family `{ctx['family']}`" + (f", {ctx['threads']} thread{'s' if ctx['threads'] > 1 else ''}" if cpu else "")
    out = [f"### {title}\n"]
    if cpu:
        out.append(f"Peak measured in this run: int8 {ctx['peak_int8_GMACps']:.1f} GMAC/s, fp32 {ctx['peak_fp32_GMACps']:.1f} GMAC/s.\n")
    networks = OrderedDict()
    for (net, layer), methods in layers.items():
        networks.setdefault(net, []).append((layer, methods))
    summary = []
    for net, rows in networks.items():
        out.append(f"#### {net}\n")
        head = "| layer | x | MACs | methods (ms, median) | best INT8 | best FP32 | INT8/FP32 |"
        if cpu:
            head += " INT8 % peak | FP32 % peak |"
        out.append(head)
        out.append("|" + "---|" * (head.count("|") - 1))
        tot = {"int8": 0.0, "fp32": 0.0, "int8_gemm": 0.0, "fp32_gemm": 0.0}
        ok_gemm = True
        for layer, methods in rows:
            m8, s8 = best(methods, "int8")
            m32, s32 = best(methods, "fp32")
            if not s8 or not s32:
                continue
            count, macs = s8["count"], s8["macs"]
            cells = ", ".join(f"{m} {s['ms']:.3f}" + (f" ({100 * s.get('cv', 0):.0f}%)" if s.get("cv", 0) > 0.05 else "")
                              for m, s in methods.items() if "ms" in s)
            row = f"| {layer} | {count} | {macs / 1e6:.1f} M | {cells} | {m8} | {m32} | {s32['ms'] / s8['ms']:.2f}x |"
            if cpu:
                p8 = 100 * macs / (s8["ms"] * 1e-3) / (ctx["peak_int8_GMACps"] * 1e9)
                p32 = 100 * macs / (s32["ms"] * 1e-3) / (ctx["peak_fp32_GMACps"] * 1e9)
                row += f" {p8:.0f}% | {p32:.0f}% |"
            out.append(row)
            tot["int8"] += count * s8["ms"]
            tot["fp32"] += count * s32["ms"]
            g8 = methods.get("int8_gemm", methods.get("int8_dw"))
            g32 = methods.get("fp32_gemm", methods.get("fp32_dw"))
            if g8 and g32 and "ms" in g8 and "ms" in g32:
                tot["int8_gemm"] += count * g8["ms"]
                tot["fp32_gemm"] += count * g32["ms"]
            else:
                ok_gemm = False
        out.append("")
        out.append(f"{net}, all conv / depthwise / FC layers weighted by count: best INT8 {tot['int8']:.2f} ms, "
                   f"best FP32 {tot['fp32']:.2f} ms, **{tot['fp32'] / tot['int8']:.2f}x**; GEMM method only "
                   f"(depthwise kernels for depthwise layers): INT8 {tot['int8_gemm']:.2f} ms, FP32 {tot['fp32_gemm']:.2f} ms, "
                   f"**{tot['fp32_gemm'] / tot['int8_gemm']:.2f}x**" + ("" if ok_gemm else " (some layers missing)") + ".\n")
        summary.append((net, tot))
    if cpu and "resnet50" in networks:
        out.append(targets(ctx, networks["resnet50"]))
    return "\n".join(out), summary


def targets(ctx, rows):
    """Issue 3's x86 targets on ResNet50's convolutions (all 3x3 and 1x1
    layers, i.e. every conv but the 7x7 stem): the mean over distinct layers
    of INT8 % of the vpdpbusd peak (GEMM method, and best method) and of the
    per-layer INT8/FP32 speed-up (best methods)."""
    pct_gemm, pct_best, ratios = [], [], []
    for layer, methods in rows:
        if layer in ("conv1", "fc"):
            continue
        m8, s8 = best(methods, "int8")
        m32, s32 = best(methods, "fp32")
        g8 = methods.get("int8_gemm")
        if not s8 or not s32 or not g8:
            continue
        rate = lambda s: s["macs"] / (s["ms"] * 1e-3) / (ctx["peak_int8_GMACps"] * 1e9)
        pct_gemm.append(100 * rate(g8))
        pct_best.append(100 * rate(s8))
        ratios.append(s32["ms"] / s8["ms"])
    mean = lambda v: sum(v) / len(v) if v else float("nan")
    return (f"Issue 3 targets, ResNet50 3x3 and 1x1 convolutions ({len(ratios)} distinct layers, mean over layers): "
            f"INT8 GEMM method {mean(pct_gemm):.0f}% of the vpdpbusd peak (best INT8 method {mean(pct_best):.0f}%; "
            f"target >= 50%); INT8/FP32 per layer {mean(ratios):.2f}x (target >= 3x).\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("json", nargs="+")
    ap.add_argument("--md")
    ap.add_argument("--png")
    ap.add_argument("--command", default="")
    args = ap.parse_args()
    texts, summaries = [], []
    if args.command:
        texts.append(f"Produced by: `{args.command}`\n")
    for path in args.json:
        ctx, layers = load(path)
        text, summary = render(ctx, layers)
        texts.append(text)
        summaries.append((ctx, summary))
    text = "\n".join(texts)
    write_text(text, args.md)
    if args.png:
        plt = pyplot()
        fig, ax = plt.subplots(figsize=(8, 4.5))
        labels, best_r, gemm_r = [], [], []
        for ctx, summary in summaries:
            run = ctx["family"] + (f" {ctx['threads']}t" if ctx["threads"] else "")
            for net, tot in summary:
                labels.append(f"{net}\n{run}")
                best_r.append(tot["fp32"] / tot["int8"])
                gemm_r.append(tot["fp32_gemm"] / tot["int8_gemm"] if tot["int8_gemm"] else 0)
        x = range(len(labels))
        ax.bar([i - 0.2 for i in x], best_r, width=0.4, label="best INT8 / best FP32")
        ax.bar([i + 0.2 for i in x], gemm_r, width=0.4, label="INT8 GEMM / FP32 GEMM")
        ax.axhline(1.67, color="gray", ls="--", lw=1, label="paper, Mali G52 (1.67x)")
        ax.set_xticks(list(x))
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_ylabel("speed-up over FP32")
        ax.set_title("INT8 speed-up per network (layers weighted by count)")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(args.png, dpi=110)
    return 0


if __name__ == "__main__":
    sys.exit(main())
