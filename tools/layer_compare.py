#!/usr/bin/env python3
"""Per-layer times of mobiq beside OpenVINO (and onnxruntime) on the same ONNX model, threads and calibration
samples: which layers are behind the peers.

    layer_compare.py --mobiq build/host/bin/mobiq --models build/models --network resnet50 --precision int8
                     --threads 2 --runs 20 --out build/bench/layers_resnet50_int8
                     [--mobiq-flags "--requantization fp32"] [--no-onnxruntime]

mobiq: `mobiq bench --profile` (per layer: median ms over the runs, method, kernels, MACs).
OpenVINO: compiled as tools/network_bench.py compiles its peers (fp32: INFERENCE_PRECISION_HINT=f32; int8: the
nncf-quantized model of network_bench.ov_int8_model, cached where network_bench.py caches it:
dirname(--out)/networks), INFERENCE_NUM_THREADS, PERFORMANCE_HINT=LATENCY, PERF_COUNT; get_profiling_info()
after the warm-up and after the last timed run. onnxruntime: CPUExecutionProvider, its graph optimization as
network_bench.py sets it, with its profiler (int8: network_bench.ort_int8_model). Each peer runs in a process
of its own; all engines: the same threads, --runs timed runs after network_bench.WARMUP warm-up runs.

Mapping: mobiq's layers are ONNX node names (the conv; its BN, activation and fused Add belong to it). Every
ONNX node is owned by the mobiq layer of its own name, else by the latest (in mobiq's order) owner of its
inputs: the layer whose epilogue runs it. A peer's node is owned by the owner of its name, else of the ONNX
node name its name starts with (longest; nncf's "/fq_..." and reorder suffixes), else of its fused original
layers (OpenVINO's runtime model, originalLayersNames); a reorder goes with the node it feeds. Nothing owned:
"other" rows, never dropped. A peer node that fuses ops mobiq runs in another layer (ResNet's first residual
Add of a stage: OpenVINO in conv3, mobiq in downsample) is marked † and named under the table.
Times: mobiq's per layer are medians over the timed runs (what `bench --profile` reports); the peers' per node
are means over the timed runs (OpenVINO's counters only give the mean since compilation: the timed runs' mean is
taken from the totals after the warm-up and after the last run); a layer's peer time is the sum of the nodes it
owns. Whole network: the mean wall time per inference of each engine with its profiler on (medians in the
JSON), and the median with every profiler off (a separate, interleaved pass: the network ratio).
Writes OUT/layers.md and OUT/layers.json and prints the table.
"""
import argparse
import contextlib
import json
import multiprocessing
import os
import shlex
import subprocess
import sys
import types

import numpy as np

import network_bench as nb
from bench_common import print_and_write, seeded_calibration

BOUNDARY = "/_.:"  # what may follow an ONNX node name inside a peer's node name


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def cpu_name():
    f = {}
    for line in subprocess.run(["lscpu"], capture_output=True, text=True).stdout.splitlines():
        k, _, v = line.partition(":")
        f[k.strip()] = v.strip()
    return f"{f.get('Model name', '?')} (family {f.get('CPU family', '?')} model {f.get('Model', '?')})"


def onnx_layers(model_path):
    """ONNX nodes in order: (name, op, inputs, outputs) and a short shape per Conv / Gemm node."""
    import onnx
    m = onnx.shape_inference.infer_shapes(onnx.load(model_path))
    g = m.graph
    dims = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in list(g.value_info) + list(g.output)}
    inits = {t.name: list(t.dims) for t in g.initializer}
    nodes, shapes = [], {}
    for n in g.node:
        nodes.append((n.name, n.op_type, [i for i in n.input if i not in inits], list(n.output)))
        a = {x.name: onnx.helper.get_attribute_value(x) for x in n.attribute}
        if n.op_type == "Conv":
            cout, cin_g, kh, kw = inits[n.input[1]]
            grp, out = a.get("group", 1), dims.get(n.output[0], [0] * 4)
            shapes[n.name] = (f"{kh}x{kw}/{a.get('strides', [1])[0]} {cin_g * grp}->{cout}"
                              f"{' dw' if grp > 1 and grp == cout else ''} @{out[2]}x{out[3]}")
        elif n.op_type == "Gemm":
            w = inits[n.input[1]]
            shapes[n.name] = f"fc {w[1] if a.get('transB') else w[0]}->{w[0] if a.get('transB') else w[1]}"
    return nodes, shapes


def owner_map(nodes, layer_order):
    """ONNX node name -> the mobiq layer that runs it (None: none)."""
    rank = {name: i for i, name in enumerate(layer_order)}
    by_tensor, owner = {}, {}
    for name, _, inputs, outputs in nodes:
        o = name if name in rank else max((by_tensor[i] for i in inputs if by_tensor.get(i)), key=rank.get,
                                          default=None)
        owner[name] = o
        for t in outputs:
            by_tensor[t] = o
    for t, o in by_tensor.items():  # peers name some nodes by their output ("logits": the Gemm "fc")
        owner.setdefault(t, o)
    return owner


def owner_of(name, owner, names_longest_first):
    if name in owner:
        return owner[name]
    for n in names_longest_first:
        if name.startswith(n) and name[len(n)] in BOUNDARY:
            return owner[n]
    return None


def ov_worker(model, config, threads, warmup, runs, x, profiled=True):
    """Compiles `model` on the CPU plugin, warms up, times `runs` runs with PERF_COUNT (per node its times), or
    without it (profiled=False: the wall times only)."""
    for k in nb.ISA_ENV:
        os.environ.pop(k, None)
    import openvino as ov
    core = ov.Core()
    cfg = dict(config, INFERENCE_NUM_THREADS=threads, PERFORMANCE_HINT="LATENCY", PERF_COUNT=profiled)
    compiled = core.compile_model(core.read_model(model), "CPU", cfg)
    req = compiled.create_infer_request()

    def run():
        req.infer({0: x}, share_inputs=True)

    if not profiled:
        return {"wall_ms": timed_runs(run, warmup, runs)}
    originals = {}
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        originals[op.get_friendly_name()] = [s for s in (info["originalLayersNames"].astype(str).split(",")
                                                         if "originalLayersNames" in info else []) if s]

    def profile(n):  # per node: its info and its time summed over the n inferences so far (ms)
        return {p.node_name: (p, p.real_time.total_seconds() * 1e3 * n) for p in req.get_profiling_info()
                if p.status != p.Status.NOT_RUN}  # the plugin reports the mean over all inferences since compiling

    timed_runs(run, warmup, 0)
    before = profile(warmup)
    wall = timed_runs(run, 0, runs)
    nodes = [{"name": name, "type": p.node_type, "exec": p.exec_type, "originals": originals.get(name, []),
              "ms": (total - before.get(name, (p, 0.0))[1]) / runs}
             for name, (p, total) in profile(warmup + runs).items()]
    return {"wall_ms": wall, "precision": nb.ov_value(compiled.get_property("INFERENCE_PRECISION_HINT")),
            "nodes": nodes}


def ort_worker(model, threads, warmup, runs, x, prefix, profiled=True):
    """onnxruntime with its profiler (per node, after its graph optimization, the times of the timed runs), or
    without it (profiled=False: the wall times only)."""
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads, o.inter_op_num_threads = threads, 1
    o.graph_optimization_level = getattr(ort.GraphOptimizationLevel, nb.GRAPH_OPT)
    o.enable_profiling, o.profile_file_prefix = profiled, prefix
    s = ort.InferenceSession(model, o, providers=["CPUExecutionProvider"])
    feed = {s.get_inputs()[0].name: x}
    wall = timed_runs(lambda: s.run(None, feed), warmup, runs)
    if not profiled:
        return {"wall_ms": wall}
    trace = s.end_profiling()
    nodes = {}
    for ev in json.load(open(trace)):
        if ev.get("cat") == "Node" and ev["name"].endswith("_kernel_time"):
            name = ev["name"].removesuffix("_kernel_time")
            nodes.setdefault(name, {"name": name, "exec": ev["args"].get("op_name", "?"), "ms": []})["ms"].append(
                ev["dur"] / 1e3)
    os.remove(trace)
    for e in nodes.values():
        e["runs_ms"] = e.pop("ms")[-runs:]  # the warm-up runs were profiled too
        e["ms"] = float(np.mean(e["runs_ms"]))
    return {"wall_ms": wall, "nodes": list(nodes.values())}


def timed_runs(run, warmup, runs):
    """run() `warmup` times, then the wall ms of `runs` more calls."""
    import time
    for _ in range(warmup):
        run()
    wall = []
    for _ in range(runs):
        t0 = time.perf_counter()
        run()
        wall.append((time.perf_counter() - t0) * 1e3)
    return wall


def in_process(fn, *args):
    """fn(*args) in a fresh process (no peer's thread pool in this one or in the other peer's)."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(fn, args)


def group(peer, owner, names):
    """Per owning mobiq layer (None: "other: NODE" per node) the peer's nodes and the sum of their times. A
    reorder (OpenVINO's "PARENT_layout_layout_CHILD"), or a node owned by no name of its own nor of its
    originals, goes with the node whose name ends its name: the layer whose input it prepares."""
    for e in peer["nodes"]:
        orig = [(n, owner_of(n, owner, names)) for n in e.get("originals", [])]
        e["owner"] = owner_of(e["name"], owner, names) or next((o for _, o in orig if o), None)
        e["fused_elsewhere"] = {n: o for n, o in orig if o and o != e["owner"]}  # mobiq runs these in layer o
    by_name = {e["name"]: e["owner"] for e in peer["nodes"]}
    groups = {}
    for e in peer["nodes"]:
        if e["owner"] is None or e.get("type") == "Reorder":
            parts = e["name"].split("_")
            e["owner"] = next((by_name[t] for t in ("_".join(parts[i:]) for i in range(1, len(parts)))
                               if by_name.get(t)), e["owner"])
        groups.setdefault(e["owner"] or f"other: {e['name']}", []).append(e)
    return {key: {"ms": sum(e["ms"] for e in g), "nodes": [e["name"] for e in g],
                  "exec": max(g, key=lambda e: e["ms"])["exec"] + (f" +{len(g) - 1}" if len(g) > 1 else ""),
                  "fused_elsewhere": {n: o for e in g for n, o in e["fused_elsewhere"].items()}}
            for key, g in groups.items()}


def fmt(v, spec=".3f"):
    return "" if v is None else format(v, spec)


def ratio(a, b):
    return a / b if a is not None and b else None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--network", required=True, choices=["resnet50", "mobilenet_v1", "vgg16"])
    ap.add_argument("--precision", required=True, choices=["fp32", "int8"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--out", required=True)
    ap.add_argument("--mobiq-flags", default="", help="passed to mobiq bench, e.g. \"--requantization fp32\"")
    ap.add_argument("--no-onnxruntime", action="store_true")
    args = ap.parse_args()
    command = " ".join(shlex.quote(a) for a in [os.path.relpath(sys.executable), *sys.argv])
    net, prec, threads, runs = args.network, args.precision, args.threads, args.runs
    os.makedirs(args.out, exist_ok=True)
    model = os.path.join(args.models, net + ".onnx")
    if not os.path.exists(model):
        sys.exit(f"layer_compare.py: no model {model} (networks/make_models.py --out {args.models} --only {net})")
    calib_path = os.path.join(args.out, "calibration.npy")
    calib = seeded_calibration(calib_path)
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)  # network_bench's input

    log(f"[1/4] mobiq bench --profile ({net} {prec}, {threads} threads, {runs} runs)")
    mj = os.path.join(args.out, "mobiq.json")
    cmd = [args.mobiq, "bench", "--model", model, "--precision", prec, "--threads", str(threads), "--runs",
           str(runs), "--warmup", str(nb.WARMUP), "--profile", "--json", mj, *shlex.split(args.mobiq_flags)]
    if prec == "int8":
        cmd += ["--calib-data", calib_path]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"layer_compare.py: {shlex.join(cmd)} failed: {r.stderr.strip()}")
    mobiq = json.load(open(mj))
    layers = mobiq["layers"]
    nodes, shapes = onnx_layers(model)
    owner = owner_map(nodes, [l["name"] for l in layers])
    names = sorted(owner, key=len, reverse=True)

    # the peers' models, built (and cached) as network_bench.py builds them, its log lines on stderr
    cache = types.SimpleNamespace(out=os.path.dirname(os.path.abspath(args.out)), calib_path=calib_path)
    os.makedirs(os.path.join(cache.out, "networks"), exist_ok=True)
    with contextlib.redirect_stdout(sys.stderr):
        ov_model, ov_config = model, {"INFERENCE_PRECISION_HINT": "f32"}
        if prec == "int8":
            ov_model, _ = nb.ov_int8_model(cache, net, model, calib, nb.ov_int8_setup(calib))
            ov_config = {}  # network_bench's INT8 peer: the default precision for what nncf left in float
        ort_model = model
        if prec == "int8" and not args.no_onnxruntime:
            ort_model, _ = nb.ort_int8_model(cache, net, model, calib, nb.ort_int8_setup(calib))
    log(f"[2/4] OpenVINO {prec} ({ov_model})")
    ov = in_process(ov_worker, ov_model, ov_config, threads, nb.WARMUP, runs, x)
    peers = {"OpenVINO": group(ov, owner, names)}
    ort = None
    if not args.no_onnxruntime:
        log(f"[3/4] onnxruntime {prec} ({ort_model})")
        ort = in_process(ort_worker, ort_model, threads, nb.WARMUP, runs, x, os.path.join(args.out, "ort_profile"))
        peers["onnxruntime"] = group(ort, owner, names)

    # The whole networks again with every profiler off (per-node timing slows each engine differently:
    # OpenVINO's PERF_COUNT most), interleaved engine by engine.
    log(f"[4/4] whole networks, profilers off ({runs} runs each)")
    quiet = {"mobiq": [], "OpenVINO": [], **({"onnxruntime": []} if ort else {})}
    plain = [a for a in cmd if a != "--profile"]
    plain[plain.index("--json") + 1] = os.path.join(args.out, "mobiq_plain.json")
    for _ in range(2):
        r = subprocess.run(plain, capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"layer_compare.py: {shlex.join(plain)} failed: {r.stderr.strip()}")
        quiet["mobiq"] += json.load(open(os.path.join(args.out, "mobiq_plain.json")))["times_ms"]
        quiet["OpenVINO"] += in_process(ov_worker, ov_model, ov_config, threads, nb.WARMUP, runs, x, False)["wall_ms"]
        if ort:
            quiet["onnxruntime"] += in_process(ort_worker, ort_model, threads, nb.WARMUP, runs, x, "", False)["wall_ms"]

    rows = []
    for l in layers:
        row = {"layer": l["name"], "op": l["op"], "shape": shapes.get(l["name"], ""), "MACs": l["MACs"],
               "mobiq_ms": l["ms"], "mobiq_kernel": f"{l['method']} {l['variant']}".strip()}
        row.update({p: gs.get(l["name"]) for p, gs in peers.items()})
        rows.append(row)
    for p, gs in peers.items():
        rows += [{"layer": key, "shape": "", "MACs": 0, "mobiq_ms": None, "mobiq_kernel": "",
                  **{q: None for q in peers}, p: g} for key, g in gs.items() if key.startswith("other: ")]

    pcols = list(peers)
    head = ["layer", "shape", "MMACs", "mobiq ms", "mobiq method / kernel"]
    for p in pcols:
        head += [f"{p} ms", f"{p} primitive", f"mobiq/{p}"]
    lines = [f"### {net} {prec}, {threads} thread(s): mobiq per layer beside {', '.join(pcols)}", "",
             f"CPU: {cpu_name()}. Command: `{command}`", "",
             f"{runs} timed runs after {nb.WARMUP} warm-up runs per engine. mobiq ms: median per layer; peer ms: "
             "mean over the runs of the nodes the layer owns (fused Add / activation, reorders of its input); "
             "whole network: wall time per inference, with the engines' profilers on (as the layer times) and "
             f"again with them off (2 x {runs} runs per engine, interleaved: the network ratio); "
             "mobiq/peer above 1: mobiq slower. "
             f"OpenVINO inference precision: {ov['precision']}.", "",
             "| " + " | ".join(head) + " |",
             "|" + "|".join("---" if h.endswith(("layer", "shape", "kernel", "primitive")) else "---:" for h in head)
             + "|"]
    tot = {"mobiq": 0.0, **{p: 0.0 for p in pcols}}
    for row in rows:
        cells = [row["layer"], row["shape"], fmt(row["MACs"] / 1e6 if row["MACs"] else None, ".1f"),
                 fmt(row["mobiq_ms"]), row["mobiq_kernel"]]
        tot["mobiq"] += row["mobiq_ms"] or 0
        for p in pcols:
            g = row[p]
            tot[p] += g["ms"] if g else 0
            rt = ratio(row["mobiq_ms"], g and g["ms"])
            cells += [fmt(g and g["ms"]), (g["exec"] + (" †" if g.get("fused_elsewhere") else "")) if g else "",
                      fmt(rt, ".2f") + ("x" if rt else "")]
        lines.append("| " + " | ".join(cells) + " |")
    walls = {"mobiq": mobiq["times_ms"], "OpenVINO": ov["wall_ms"], **({"onnxruntime": ort["wall_ms"]} if ort else {})}
    wall = {k: float(np.mean(v)) for k, v in walls.items()}
    gap = {k: wall[k] - tot[k] for k in wall}
    quiet_med = {k: float(np.median(v)) for k, v in quiet.items()}
    for label, vals in (("**sum of layers**", tot), ("**whole network, profiling on (wall, mean)**", wall),
                        ("**wall - sum of layers**", gap),
                        ("**whole network, profilers off (wall, median)**", quiet_med)):
        cells = [label, "", fmt(mobiq["macs"] / 1e6, ".0f") if vals is tot else "", fmt(vals["mobiq"]), ""]
        for p in pcols:
            rt = ratio(vals["mobiq"], vals[p])
            cells += [fmt(vals[p]), "", fmt(rt, ".2f") + "x" if vals is not gap else ""]
        lines.append("| " + " | ".join(cells) + " |")
    behind = sorted((r for r in rows if r["mobiq_ms"] and r["OpenVINO"]),
                    key=lambda r: r["OpenVINO"]["ms"] - r["mobiq_ms"])[:10]
    notes = [f"- † {r['layer']}: {p} runs here {', '.join(sorted(r[p]['fused_elsewhere']))}, which mobiq runs in "
             f"{', '.join(sorted(set(r[p]['fused_elsewhere'].values())))}" for r in rows for p in pcols
             if r[p] and r[p].get("fused_elsewhere")]
    behind = ", ".join(f"{r['layer']} +{r['mobiq_ms'] - r['OpenVINO']['ms']:.3f}" for r in behind
                       if r["mobiq_ms"] > r["OpenVINO"]["ms"])
    lines += ["", f"Most behind OpenVINO (mobiq ms - OpenVINO ms): {behind or 'none'}", ""] + notes
    data = {"command": command, "cpu": cpu_name(), "network": net, "precision": prec, "threads": threads,
            "runs": runs, "warmup": nb.WARMUP, "mobiq_cmd": shlex.join(cmd), "openvino_model": ov_model,
            "openvino_config": ov_config, "openvino_precision": ov["precision"],
            "onnxruntime_model": ort_model if ort else None, "wall_mean_ms": wall,
            "wall_median_ms": {k: float(np.median(v)) for k, v in walls.items()}, "sum_of_layers_ms": tot,
            "wall_minus_layers_ms": gap, "wall_profilers_off_median_ms": quiet_med,
            "wall_profilers_off_ms": quiet, "rows": rows, "openvino_nodes": ov["nodes"],
            "onnxruntime_nodes": ort["nodes"] if ort else None}
    print_and_write("\n".join(lines), os.path.join(args.out, "layers.md"), os.path.join(args.out, "layers.json"),
                    data)


if __name__ == "__main__":
    main()
