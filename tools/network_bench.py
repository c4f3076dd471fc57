#!/usr/bin/env python3
"""The paper-style table: whole networks through `mobiq bench`, FP32 and INT8
(each quantization scheme, BN folded or not), 1 and 2 threads, with
onnxruntime FP32 and INT8 timed on the same machine in the same run.

The onnxruntime INT8 peer is built the way onnxruntime's documentation tells
its users to: onnxruntime.quantization.shape_inference.quant_pre_process
(symbolic shape inference, onnxruntime's graph optimization, which folds
BatchNormalization into Conv, ONNX shape inference), then quantize_static in
QDQ format with per-channel weights, QUInt8 activations and QInt8 weights,
min-max calibrated on the same samples as mobiq. How it was built is written
into the table ("peer setup") and networks.json ("setup" of its rows).

    network_bench.py --mobiq build/host/bin/mobiq --models build/models --out build/bench
                     [--threads 1,2] [--networks resnet50,mobilenet_v1,vgg16]
                     [--schemes all | asym/per-channel,...] [--no-unfolded]
                     [--rounds 3] [--runs N] [--quick]

Writes OUT/networks.json (every measurement), OUT/networks.md (the table,
with the command) and OUT/networks.png. Machines are noisy (this VM's second
core is shared): every configuration runs in --rounds rounds, interleaved
with the others, and the latencies are the median, min and p90 over all the
timed runs of all rounds (each after its warm-up). Exits non-zero if any
engine fails.
"""
import argparse
import hashlib
import importlib.util
import json
import logging
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
SCHEME_NAMES = [label.removeprefix("int8 ") for label, _ in INT8_SCHEMES]
RUNS = {"resnet50": 30, "mobilenet_v1": 60, "vgg16": 12}  # timed runs, over all rounds
ORT_INT8_LABEL = "onnxruntime int8 (QDQ, per-channel, u8/s8)"
GRAPH_OPT = "ORT_ENABLE_ALL"  # the onnxruntime sessions' graph optimization level (FP32 and INT8)


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
    o.graph_optimization_level = getattr(ort.GraphOptimizationLevel, GRAPH_OPT)
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


def ort_int8_setup(calib):
    """How the onnxruntime INT8 peer is built and run (also the key of its cached model)."""
    import onnxruntime as ort
    return {
        "onnxruntime": ort.__version__,
        "preprocess": "quant_pre_process",
        # quant_pre_process needs sympy for its symbolic shape inference (shapes here are static:
        # ONNX shape inference, which it also runs, finds the same ones); skipped, and said so, without it.
        "symbolic_shape_inference": importlib.util.find_spec("sympy") is not None,
        "quant_format": "QDQ",
        "per_channel": True,
        "reduce_range": False,  # onnxruntime's advice for x86 with VNNI (the machines here: AVX512-VNNI)
        "activation_type": "QUInt8",
        "weight_type": "QInt8",
        "calibrate_method": "MinMax",
        "calibration_samples": int(len(calib)),
        "calibration_sha256": hashlib.sha256(calib.tobytes()).hexdigest()[:16],
        "graph_optimization_level": GRAPH_OPT,
        "provider": "CPUExecutionProvider",
        "inter_op_num_threads": 1,
    }


def setup_line(setup, threads_list):
    """The table's one-line description of the onnxruntime INT8 peer."""
    sym = "symbolic shape inference + " if setup["symbolic_shape_inference"] else \
        "symbolic shape inference skipped (no sympy), "
    bn = ", ".join(f"{net} {n}" for net, n in sorted(setup.get("batchnorm_left", {}).items()))
    return (f"Peer setup (onnxruntime INT8): onnxruntime {setup['onnxruntime']}; "
            f"quant_pre_process ({sym}graph optimization (BN folded into Conv) + ONNX shape inference"
            + (f"; BatchNormalization left: {bn}" if bn else "") + "); "
            f"quantize_static {setup['quant_format']}, per-channel={setup['per_channel']}, "
            f"reduce_range={setup['reduce_range']}, activations {setup['activation_type']}, "
            f"weights {setup['weight_type']}, {setup['calibrate_method']} calibration on the same "
            f"{setup['calibration_samples']} samples as mobiq; sessions: {setup['provider']}, "
            f"intra_op_num_threads = the row's threads ({', '.join(map(str, threads_list))}), "
            f"inter_op_num_threads {setup['inter_op_num_threads']}, {setup['graph_optimization_level']}.")


def count_ops(path, op):
    import onnx
    return sum(n.op_type == op for n in onnx.load(path, load_external_data=False).graph.node)


def ort_int8_model(args, net, model, calib, setup):
    """onnxruntime's static INT8 as its documentation recommends (quant_pre_process, then quantize_static:
    QDQ, per-channel QInt8 weights, QUInt8 activations, min-max on the same samples), cached under a key
    of that whole setup, so that a model quantized another way is never reused."""
    key = hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:12]
    stem = os.path.join(args.out, "networks", f"{net}.ort_int8")
    path, pre, info = f"{stem}.{key}.onnx", f"{stem}.{key}.pre.onnx", f"{stem}.{key}.json"
    import glob
    for old in glob.glob(f"{stem}.onnx") + glob.glob(f"{stem}.*.onnx") + glob.glob(f"{stem}.*.json"):
        if old not in (path, info):  # other setups' models (the old, un-preprocessed one was
            os.remove(old)  # {net}.ort_int8.onnx): never reused
    if os.path.exists(path) and os.path.exists(info) and os.path.getmtime(path) > os.path.getmtime(model):
        return path, json.load(open(info))["batchnorm_left"]
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{"input": calib[i:i + 1]} for i in range(len(calib))])

        def get_next(self):
            return next(self.items, None)

    log(f"   onnxruntime: pre-processing {net} (quant_pre_process), then quantize_static (QDQ, per-channel, "
        f"QUInt8 activations / QInt8 weights, {len(calib)} calibration samples)")
    quant_pre_process(model, pre, skip_symbolic_shape=not setup["symbolic_shape_inference"])
    bn_in, bn_left = count_ops(model, "BatchNormalization"), count_ops(pre, "BatchNormalization")
    if bn_in and bn_left:  # quant_pre_process only logs a failed optimization and goes on
        sys.exit(f"network_bench.py: quant_pre_process left {bn_left} of {bn_in} BatchNormalization ops in {net}")
    quantize_static(pre, path, Reader(), quant_format=getattr(QuantFormat, setup["quant_format"]),
                    per_channel=setup["per_channel"], reduce_range=setup["reduce_range"],
                    activation_type=getattr(QuantType, setup["activation_type"]),
                    weight_type=getattr(QuantType, setup["weight_type"]))
    os.remove(pre)  # up to 0.5 GB (VGG16)
    json.dump({"setup": setup, "batchnorm_in": bn_in, "batchnorm_left": bn_left}, open(info, "w"), indent=1)
    return path, bn_left


def table(results, command, peer=None):
    lines = [f"Produced by: `{command}` ({time.strftime('%Y-%m-%d')}). Medians over the runs (min / p90 in "
             "networks.json); \"vs mobiq FP32\" is mobiq FP32's median over the row's, in the same run.", ""]
    if peer:
        lines += [peer, ""]
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
    ap.add_argument("--schemes", default="all",
                    help="INT8 schemes, comma-separated: all, or of " + ", ".join(SCHEME_NAMES))
    ap.add_argument("--no-unfolded", action="store_true", help="leave out the BN-not-folded rows")
    ap.add_argument("--quick", action="store_true", help="fewer runs, no onnxruntime INT8")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved rounds per configuration")
    ap.add_argument("--runs", type=int, default=0, help="timed runs per round (default: per network)")
    ap.add_argument("--command", default=" ".join(sys.argv))
    args = ap.parse_args()
    if args.schemes == "all":
        schemes = INT8_SCHEMES
    else:
        wanted = args.schemes.split(",")
        unknown = [w for w in wanted if w not in SCHEME_NAMES]
        if unknown:
            ap.error(f"unknown scheme(s) {', '.join(unknown)} (known: {', '.join(SCHEME_NAMES)})")
        schemes = [s for s in INT8_SCHEMES if s[0].removeprefix("int8 ") in wanted]
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's warnings (root logger)
    os.makedirs(os.path.join(args.out, "networks"), exist_ok=True)
    calib_path = os.path.join(args.out, "networks", "calibration.npy")
    calib = np.random.default_rng(2021).standard_normal((4, 3, 224, 224)).astype(np.float32)
    np.save(calib_path, calib)
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    nets = args.networks.split(",")
    threads_list = [int(t) for t in args.threads.split(",")]
    peer = None if args.quick else ort_int8_setup(calib)
    if peer:
        peer["batchnorm_left"] = {}
    results = []
    for ni, net in enumerate(nets):
        model = os.path.join(args.models, net + ".onnx")
        if not os.path.exists(model):
            sys.exit(f"network_bench.py: no model {model}")
        runs = args.runs or max(3, RUNS.get(net, 20) // (4 if args.quick else 1) // args.rounds)
        unfolded = net != "vgg16" and not args.no_unfolded  # VGG16 has no batch normalisation
        configs = [("mobiq fp32", [])]
        if unfolded:
            configs.append(("mobiq fp32 no-bn-fold", ["--no-bn-fold"]))
        configs += [("mobiq " + label, ["--precision", "int8", "--calib-data", calib_path, *flags])
                    for label, flags in schemes]
        if unfolded:
            configs.append(("mobiq int8 no-bn-fold", ["--precision", "int8", "--calib-data", calib_path,
                                                      "--no-bn-fold"]))
        configs.append(("onnxruntime fp32", None))
        if peer:
            configs.append((ORT_INT8_LABEL, None))
            key_setup = {k: v for k, v in peer.items() if k != "batchnorm_left"}
            ort_int8, peer["batchnorm_left"][net] = ort_int8_model(args, net, model, calib, key_setup)
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
                if label == ORT_INT8_LABEL:
                    r["setup"] = {k: v for k, v in peer.items() if k != "batchnorm_left"}
                    r["setup"].update(batchnorm_left=peer["batchnorm_left"][net], intra_op_num_threads=threads)
                elif label == "onnxruntime fp32":
                    import onnxruntime as ort
                    r["setup"] = {"onnxruntime": ort.__version__, "graph_optimization_level": GRAPH_OPT,
                                  "provider": "CPUExecutionProvider", "intra_op_num_threads": threads,
                                  "inter_op_num_threads": 1}
                results.append(r)
    json.dump(results, open(os.path.join(args.out, "networks.json"), "w"), indent=1)
    md = table(results, args.command, setup_line(peer, threads_list) if peer else None)
    open(os.path.join(args.out, "networks.md"), "w").write(md + "\n")
    plot(results, os.path.join(args.out, "networks.png"))
    print(md)


if __name__ == "__main__":
    main()
