#!/usr/bin/env python3
"""Markdown tables from `tools/gpu_bench.sh --winograd` output (one folder):
whole-network medians of each packed binary per configuration, and, from the
profiled run of the newest binary, the Winograd layers' summed time against the
same layers in the auto plan of the same precision.

With --pair NETWORK AUTO.json OTHER.json (repeatable): instead, per layer, the
layers whose method differs between two profiled runs (`mobiq bench --profile
--json`) of one network, e.g. auto against --conv winograd-int16."""
import argparse
import glob
import json
import os
import re


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", nargs="?")
    ap.add_argument("--pair", nargs=3, action="append", metavar=("NETWORK", "AUTO_JSON", "OTHER_JSON"))
    a = ap.parse_args()
    if a.pair:
        print_pairs(a.pair)
        return
    if not a.folder:
        ap.error("a folder, or --pair")
    runs = {}  # (net, precision, conv) -> {binary: json}
    for f in sorted(glob.glob(os.path.join(a.folder, "wg_*.json"))):
        m = re.match(r"wg_(mobiq\w*?)_(resnet50|vgg16|mobilenet_v1)_(fp32|int8)_(.+)\.json$", os.path.basename(f))
        if m:
            runs.setdefault((m.group(2), m.group(3), m.group(4)), {})[m.group(1)] = json.load(open(f))
    binaries = sorted({b for v in runs.values() for b in v})
    print("| network | precision | --conv | " + " | ".join(f"{b} median (min) ms" for b in binaries) + " |")
    print("|---|---|---|" + "---:|" * len(binaries))
    for (net, prec, conv), v in sorted(runs.items()):
        cells = [f"{v[b]['median_ms']:.2f} ({v[b]['min_ms']:.2f})" if b in v else "-" for b in binaries]
        print(f"| {net} | {prec} | {conv} | " + " | ".join(cells) + " |")
    print()
    prof = {}
    for f in glob.glob(os.path.join(a.folder, "wgprofile_*.json")):
        m = re.match(r"wgprofile_(resnet50|vgg16|mobilenet_v1)_(fp32|int8)_(.+)\.json$", os.path.basename(f))
        if m:
            prof[(m.group(1), m.group(2), m.group(3))] = json.load(open(f))
    print("| network | precision | --conv | Winograd layers, ms | the same layers in auto, ms | speed-up | all layers, ms |")
    print("|---|---|---|---:|---:|---:|---:|")
    for (net, prec, conv), j in sorted(prof.items()):
        if conv == "auto" or (net, prec, "auto") not in prof:
            continue
        auto = {l["name"]: l["ms"] for l in prof[(net, prec, "auto")]["layers"]}
        wl = [l for l in j["layers"] if l["method"] == "winograd"]
        w = sum(l["ms"] for l in wl)
        s = sum(auto[l["name"]] for l in wl)
        print(f"| {net} | {prec} | {conv} | {w:.2f} | {s:.2f} | {s / w:.2f}x | {sum(l['ms'] for l in j['layers']):.2f} |")


def print_pairs(pairs):
    loaded = [(net, json.load(open(x)), json.load(open(y))) for net, x, y in pairs]
    for net, x, y in loaded:
        print(f"- {net}: whole profiled runs {x['median_ms']:.2f} ms ({x['conv']}) / {y['median_ms']:.2f} ms ({y['conv']})")
    print()
    print("| network | layer | first ms | second ms | first / second |")
    print("|---|---|---:|---:|---:|")
    for net, x, y in loaded:
        for l, m in zip(x["layers"], y["layers"]):
            if l["method"] != m["method"]:
                print(f"| {net} | {l['name']} ({l['method']} / {m['method']}) | {l['ms']:.3f} | {m['ms']:.3f} | "
                      f"{l['ms'] / m['ms']:.2f}x |")


if __name__ == "__main__":
    main()
