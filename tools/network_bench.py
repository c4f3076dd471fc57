#!/usr/bin/env python3
"""The paper-style table: whole networks through `mobiq bench`, FP32 and INT8
(each quantization scheme, BN folded or not), 1 and 2 threads, with
onnxruntime (FP32, and INT8 static QDQ with per-channel weights calibrated
on the same samples) timed on the same machine in the same run.

    network_bench.py --mobiq build/host/bin/mobiq --models build/models --out build/bench
                     [--threads 1,2] [--networks resnet50,mobilenet_v1,vgg16] [--quick]

Writes OUT/networks.json (every measurement), OUT/networks.md (the table,
with the command) and OUT/networks.png. Machines are noisy (this VM's second
core is shared): every configuration runs in --rounds rounds, interleaved
with the others, and the latencies are the median, min and p90 over all the
timed runs of all rounds (each after its warm-up).
"""
import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

INT8_SCHEMES = [  # (label, flags)
    ("int8 asym/per-channel", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "sym"]),
    ("int8 sym/per-channel", ["--scheme", "sym", "--weights", "per-channel", "--weight-scheme", "sym"]),
    ("int8 asym/per-layer", ["--scheme", "asym", "--weights", "per-layer", "--weight-scheme", "sym"]),
    ("int8 asym/per-channel/asym-w", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "asym"]),
    ("int8 sym/per-layer", ["--scheme", "sym", "--weights", "per-layer", "--weight-scheme", "sym"]),
    ("int8 sym/per-channel/asym-w", ["--scheme", "sym", "--weights", "per-channel", "--weight-scheme", "asym"]),
    ("int8 asym/per-layer/asym-w", ["--scheme", "asym", "--weights", "per-layer", "--weight-scheme", "asym"]),
    ("int8 sym/per-layer/asym-w", ["--scheme", "sym", "--weights", "per-layer", "--weight-scheme", "asym"]),
]  # every scheme: activations sym / asym x weights per-channel / per-layer x sym / asym
RUNS = {"resnet50": 30, "mobilenet_v1": 60, "vgg16": 12}  # timed runs, over all rounds


def log(msg):
    print(msg, flush=True)


def mobiq_bench(args, model, threads, flags, runs, tag):
    out = os.path.join(args.out, "networks", f"{tag}.json")
    cmd = [args.mobiq, "bench", "--model", model, "--threads", str(threads), "--runs", str(runs), "--warmup", "3",
           "--json", out, *flags]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"network_bench.py: {' '.join(cmd)} failed: {r.stderr.strip()}")
    return json.load(open(out))


def ort_session(path, threads):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    o.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])


def ort_bench(path, threads, runs, x):
    s = ort_session(path, threads)
    name = s.get_inputs()[0].name
    for _ in range(3):
        s.run(None, {name: x})
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        s.run(None, {name: x})
        t.append((time.perf_counter() - t0) * 1e3)
    return {"times_ms": t, "runs": runs, "threads": threads}


def summarize(rounds):
    """One result from the rounds of a configuration: statistics over all their timed runs."""
    r = dict(rounds[-1])
    t = [x for one in rounds for x in one["times_ms"]]
    r.update(times_ms=t, runs=len(t), rounds=len(rounds), median_ms=float(np.median(t)), min_ms=float(np.min(t)),
             p90_ms=float(np.percentile(t, 90)))
    return r


def ort_int8_model(args, net, model, calib):
    """onnxruntime's static INT8 (QDQ, per-channel weights, min-max on the same samples), cached."""
    path = os.path.join(args.out, "networks", f"{net}.ort_int8.onnx")
    if os.path.exists(path) and os.path.getmtime(path) > os.path.getmtime(model):
        return path
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{"input": calib[i:i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.items, None)

    log(f"   onnxruntime: quantizing {net} (static QDQ, per-channel)")
    quantize_static(model, path, Reader(), quant_format=QuantFormat.QDQ, per_channel=True,
                    activation_type=QuantType.QInt8, weight_type=QuantType.QInt8)
    return path


def table(results, command):
    lines = [f"Produced by: `{command}` ({time.strftime('%Y-%m-%d')}). Medians over the runs (min / p90 in "
             "networks.json); INT8/FP32 is mobiq INT8 (asymmetric activations, symmetric per-channel weights) "
             "against mobiq FP32 in the same run.", ""]
    for net in sorted({r["network"] for r in results}):
        lines += [f"#### {net}", "",
                  "| threads | config | median ms | min ms | p90 ms | vs mobiq FP32 | activation arena MiB |",
                  "|---:|---|---:|---:|---:|---:|---:|"]
        for threads in sorted({r["threads"] for r in results if r["network"] == net}):
            rows = [r for r in results if r["network"] == net and r["threads"] == threads]
            fp32 = next(r for r in rows if r["config"] == "mobiq fp32")["median_ms"]
            for r in rows:
                arena = f"{r['arena_bytes'] / 2**20:.2f}" if "arena_bytes" in r else ""
                lines.append(f"| {threads} | {r['config']} | {r['median_ms']:.2f} | {r['min_ms']:.2f} | "
                             f"{r['p90_ms']:.2f} | {fp32 / r['median_ms']:.2f}x | {arena} |")
        lines.append("")
    return "\n".join(lines)


def plot(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    nets = sorted({r["network"] for r in results})
    fig, axes = plt.subplots(1, len(nets), figsize=(6 * len(nets), 5))
    axes = np.atleast_1d(axes)
    for ax, net in zip(axes, nets):
        rows = [r for r in results if r["network"] == net]
        configs = list(dict.fromkeys(r["config"] for r in rows))
        threads = sorted({r["threads"] for r in rows})
        width = 0.8 / len(threads)
        for j, t in enumerate(threads):
            ms = [next((r["median_ms"] for r in rows if r["config"] == c and r["threads"] == t), 0) for c in configs]
            ax.barh(np.arange(len(configs)) + j * width, ms, width, label=f"{t} thread(s)")
        ax.set_yticks(np.arange(len(configs)) + width * (len(threads) - 1) / 2)
        ax.set_yticklabels(configs, fontsize=8)
        ax.invert_yaxis()
        ax.set_xlabel("latency, ms (median)")
        ax.set_title(net)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--networks", default="resnet50,mobilenet_v1,vgg16")
    ap.add_argument("--quick", action="store_true", help="fewer runs, no onnxruntime INT8")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per configuration")
    ap.add_argument("--command", default=" ".join(sys.argv))
    args = ap.parse_args()
    os.makedirs(os.path.join(args.out, "networks"), exist_ok=True)
    calib_path = os.path.join(args.out, "networks", "calibration.npy")
    calib = np.random.default_rng(2021).standard_normal((4, 3, 224, 224)).astype(np.float32)
    np.save(calib_path, calib)
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    nets = args.networks.split(",")
    threads_list = [int(t) for t in args.threads.split(",")]
    results = []
    for ni, net in enumerate(nets):
        model = os.path.join(args.models, net + ".onnx")
        runs = max(3, RUNS.get(net, 20) // (4 if args.quick else 1) // args.rounds)
        configs = [("mobiq fp32", [])]
        if net != "vgg16":  # VGG16 has no batch normalisation
            configs.append(("mobiq fp32 no-bn-fold", ["--no-bn-fold"]))
        configs += [("mobiq " + label, ["--precision", "int8", "--calib-data", calib_path, *flags])
                    for label, flags in INT8_SCHEMES]
        if net != "vgg16":
            configs.append(("mobiq int8 no-bn-fold", ["--precision", "int8", "--calib-data", calib_path,
                                                      "--no-bn-fold"]))
        configs.append(("onnxruntime fp32", None))
        if not args.quick:
            configs.append(("onnxruntime int8 (QDQ, per-channel)", None))
            ort_int8 = ort_int8_model(args, net, model, calib)
        for threads in threads_list:
            rounds = {label: [] for label, _ in configs}
            for rnd in range(args.rounds):
                for ci, (label, flags) in enumerate(configs):
                    log(f"[{net} {ni + 1}/{len(nets)}, {threads} thread(s), round {rnd + 1}/{args.rounds}, "
                        f"{ci + 1}/{len(configs)}] {label}")
                    if flags is not None:
                        tag = f"{net}_t{threads}_r{rnd}_{label.replace(' ', '_').replace('/', '-')}"
                        r = mobiq_bench(args, model, threads, flags, runs, tag)
                    else:
                        r = ort_bench(model if label == "onnxruntime fp32" else ort_int8, threads, runs, x)
                    rounds[label].append(r)
                    log(f"   median {np.median(r['times_ms']):.2f} ms")
            for label, _ in configs:
                r = summarize(rounds[label])
                r.update(network=net, config=label)
                results.append(r)
    json.dump(results, open(os.path.join(args.out, "networks.json"), "w"), indent=1)
    md = table(results, args.command)
    open(os.path.join(args.out, "networks.md"), "w").write(md + "\n")
    plot(results, os.path.join(args.out, "networks.png"))
    print(md)


if __name__ == "__main__":
    main()
