#!/usr/bin/env python3
"""The paper-style table: whole networks through `mobiq bench`, FP32 and INT8
(each quantization scheme, BN folded or not), 1 and 2 threads, with
onnxruntime and OpenVINO FP32 and INT8 timed on the same machine in the same
run, on the same ONNX models, threads and calibration samples.

The onnxruntime INT8 peer is built the way onnxruntime's documentation tells
its users to: onnxruntime.quantization.shape_inference.quant_pre_process
(symbolic shape inference, onnxruntime's graph optimization, which folds
BatchNormalization into Conv, ONNX shape inference), then quantize_static in
QDQ format with per-channel weights, QUInt8 activations and QInt8 weights,
min-max calibrated on the same samples as mobiq. How it was built is written
into the table ("peer setup") and networks.json ("setup" of its rows).

The OpenVINO peers (CPU plugin, configured as its documentation recommends for
latency at a fixed thread count: INFERENCE_NUM_THREADS = the row's threads,
PERFORMANCE_HINT=LATENCY, one infer request, synchronous infer) are
  openvino fp32               INFERENCE_PRECISION_HINT=f32 (true FP32);
  openvino default (PREC)     the plugin's default precision, PREC as the
                              compiled model reports it (bf16 on CPUs with
                              AVX-512 BF16 or AMX);
  openvino int8 (nncf)        nncf.quantize (post-training, default preset)
                              of the model read from the ONNX file, on the same
                              calibration samples; default precision for the
                              layers it leaves in float; cached on disk under a
                              key of its setup;
  openvino int8 capped to avx512_vnni (nncf)
                              the same INT8 model with ONEDNN_MAX_CPU_ISA=
                              AVX512_CORE_VNNI in that process only (a
                              VNNI-only figure on AMX machines; only where the
                              CPU has AMX), INFERENCE_PRECISION_HINT=f32 (the
                              default on CPUs without AVX-512 BF16). Checked
                              against the uncapped run's primitives: if the cap
                              changed nothing the row says so.
Every OpenVINO configuration runs in a process of its own (this script with
--ov-worker; NNCF's quantization with --ov-quantize), so that the ISA cap is
set before the plugin loads and no OpenVINO thread pool lives in the process
that times onnxruntime. The primitives each OpenVINO run
executed (the compiled model's runtime model) are summarized per run in
networks.json ("runtime": counts of the primitive types of Convolution and
FullyConnected ops, and the ISA they imply) and in an "ISA" line per network
in networks.md; onnxruntime's rows record its version, its MLAS kernels and
the CPU's flags.

    network_bench.py --mobiq build/host/bin/mobiq --models build/models --out build/bench
                     [--threads 1,2] [--networks resnet50,mobilenet_v1,vgg16]
                     [--schemes all | asym/per-channel,...] [--no-unfolded]
                     [--rounds 3] [--runs N] [--quick] [--no-openvino]

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
import re
import subprocess
import sys
import time

import numpy as np

from bench_common import seeded_calibration

INT8_SCHEMES = [  # (label, flags)
    ("int8 asym/per-channel", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "sym"]),
    ("int8 sym/per-channel", ["--scheme", "sym", "--weights", "per-channel", "--weight-scheme", "sym"]),
    ("int8 asym/per-layer", ["--scheme", "asym", "--weights", "per-layer", "--weight-scheme", "sym"]),
    ("int8 asym/per-channel/asym-w", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "asym"]),
    ("int8 sym/per-layer", ["--scheme", "sym", "--weights", "per-layer", "--weight-scheme", "sym"]),
    ("int8 sym/per-channel/asym-w", ["--scheme", "sym", "--weights", "per-channel", "--weight-scheme", "asym"]),
    ("int8 asym/per-layer/asym-w", ["--scheme", "asym", "--weights", "per-layer", "--weight-scheme", "asym"]),
    ("int8 sym/per-layer/asym-w", ["--scheme", "sym", "--weights", "per-layer", "--weight-scheme", "asym"]),
    # fp32 requantization (docs/arithmetic.md; CPU, symmetric weights): the XNNPACK-style epilogue
    ("int8 asym/per-channel/fp32-rq", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "sym",
                                       "--requantization", "fp32"]),
    ("int8 sym/per-channel/fp32-rq", ["--scheme", "sym", "--weights", "per-channel", "--weight-scheme", "sym",
                                      "--requantization", "fp32"]),
    # 7-bit weights (decision 55): on x86 without VNNI the pmaddubsw kernels; elsewhere the same kernels as above
    ("int8 asym/per-channel/fp32-rq/w7", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "sym",
                                          "--requantization", "fp32", "--weight-bits", "7"]),
    # the same without Intel AMX (AVX-512 VNNI only: against OpenVINO capped to VNNI; on CPUs without AMX = the row above)
    ("int8 asym/per-channel/fp32-rq/no-amx", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme", "sym",
                                              "--requantization", "fp32", "--no-amx"]),
    # Winograd F(2x2, 3x3) on the 3x3 stride-1 layers (docs/winograd.md): exact int16, and the paper's INT6 / INT4
    ("int8 asym/per-channel/fp32-rq/winograd-int16", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme",
                                                      "sym", "--requantization", "fp32", "--conv", "winograd-int16"]),
    ("int8 asym/per-channel/fp32-rq/winograd-int6w4", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme",
                                                       "sym", "--requantization", "fp32", "--conv", "winograd-int6w4"]),
]  # every scheme: activations sym / asym x weights per-channel / per-layer x sym / asym; fp32 requantization
# Named with --schemes only (not in "all"): comparisons of one x86 kernel choice.
OPTIONAL_SCHEMES = [
    # VNNI without the u8_weights GEMM (decision 53: on by default on Intel CPUs only)
    ("int8 asym/per-channel/fp32-rq/no-amx/no-u8w", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme",
                                                     "sym", "--requantization", "fp32", "--no-amx", "--u8-weights", "off"]),
    # 7-bit weights on the exact 8-bit kernels (vpmaddwd pairs without VNNI): the kernels' share of the w7 row
    ("int8 asym/per-channel/fp32-rq/w7/no-w7-kernels", ["--scheme", "asym", "--weights", "per-channel",
                                                        "--weight-scheme", "sym", "--requantization", "fp32",
                                                        "--weight-bits", "7", "--weights7-kernels", "off"]),
    # VNNI with every convolution as a GEMM (im2col + GEMM: the u8_weights GEMM where it is on)
    ("int8 asym/per-channel/fp32-rq/no-amx/gemm", ["--scheme", "asym", "--weights", "per-channel", "--weight-scheme",
                                                   "sym", "--requantization", "fp32", "--no-amx", "--conv", "gemm"]),
]
SCHEME_NAMES = [label.removeprefix("int8 ") for label, _ in INT8_SCHEMES + OPTIONAL_SCHEMES]
RUNS = {"resnet50": 30, "mobilenet_v1": 60, "vgg16": 12}  # timed runs, over all rounds
ORT_INT8_LABEL = "onnxruntime int8 (QDQ, per-channel, u8/s8)"
GRAPH_OPT = "ORT_ENABLE_ALL"  # the onnxruntime sessions' graph optimization level (FP32 and INT8)
WARMUP = 3  # warm-up runs of every peer session before its timed runs (mobiq bench: --warmup 3)

# OpenVINO (CPU plugin). Row labels; the default-precision row's label is completed with the precision the
# compiled model reports, and the capped row's is replaced if the cap did not change the primitives.
OV_FP32 = "openvino fp32"
OV_DEFAULT = "openvino default"
OV_INT8 = "openvino int8 (nncf)"
OV_CAP_ISA = "AVX512_CORE_VNNI"  # ONEDNN_MAX_CPU_ISA of the capped INT8 run
OV_INT8_CAP = "openvino int8 capped to avx512_vnni (nncf)"
OV_LABELS = (OV_FP32, OV_DEFAULT, OV_INT8, OV_INT8_CAP)
ISA_ENV = ("ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA")  # oneDNN's ISA caps: only ever set for the capped run
OV_COMPUTE = ("Convolution", "FullyConnected", "MatMul", "Deconvolution")  # runtime-model layer types summarized
OV_PROPS = ("INFERENCE_PRECISION_HINT", "INFERENCE_NUM_THREADS", "NUM_STREAMS", "PERFORMANCE_HINT",
            "EXECUTION_MODE_HINT", "ENABLE_CPU_PINNING", "ENABLE_HYPER_THREADING",
            "OPTIMAL_NUMBER_OF_INFER_REQUESTS")  # the compiled model's, as it reports them
# oneDNN's ISA levels, lowest first (the values ONEDNN_MAX_CPU_ISA takes on x86)
ONEDNN_ISAS = ["SSE41", "AVX", "AVX2", "AVX2_VNNI", "AVX2_VNNI_2", "AVX512_CORE", "AVX512_CORE_VNNI",
               "AVX512_CORE_BF16", "AVX512_CORE_FP16", "AVX10_1_512", "AVX512_CORE_AMX", "AVX10_1_512_AMX",
               "AVX512_CORE_AMX_FP16", "AVX10_1_512_AMX_FP16", "AVX10_2_512", "AVX10_2_512_AMX_2", "ALL"]
ISA_RANK = ["other", "sse4", "avx2", "avx512", "avx512_vnni", "avx512_bf16", "amx"]  # a run's ISA: its highest
CPU_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8", "amx_bf16")


def cpu_info():
    """The CPU's model name and the x86 flags that pick the peers' kernels (from /proc/cpuinfo; flags None
    where it cannot be read)."""
    try:
        lines = open("/proc/cpuinfo").read().splitlines()
    except OSError:
        import platform
        return {"model_name": platform.processor() or "unknown", "flags": None}
    field = lambda key: next((ln.split(":", 1)[1].strip() for ln in lines if ln.split(":")[0].strip() == key), "")
    have = set(field("flags").split())
    return {"model_name": field("model name") or "unknown", "flags": {f: f in have for f in CPU_FLAGS}}


def cpu_flags_line(cpu):
    if cpu["flags"] is None:
        return f"CPU {cpu['model_name']} (flags unknown: no /proc/cpuinfo)"
    return f"CPU {cpu['model_name']}, " + ", ".join(f"{f} {'yes' if v else 'no'}" for f, v in cpu["flags"].items())


def ort_kernels(cpu):
    """What the onnxruntime rows record about their kernels: onnxruntime does not report which ran."""
    import onnxruntime as ort
    return {"onnxruntime": ort.__version__, "kernels": "MLAS (CPUExecutionProvider's own kernels; picks its "
            "code path at run time from the CPU flags: INT8 GEMM with AVX2, AVX-512 VNNI and AMX paths, "
            "not reported)", "cpu": cpu}


def cap_allows(cap, level):
    """Whether oneDNN may use ISA `level` under ONEDNN_MAX_CPU_ISA=cap (None: no cap; unknown cap: yes)."""
    if cap is None or cap.upper() not in ONEDNN_ISAS:
        return True
    return ONEDNN_ISAS.index(cap.upper()) >= ONEDNN_ISAS.index(level)


def primitive_isa(prim, cpu, cap):
    """The ISA an OpenVINO CPU primitive type implies ("brgconv_avx512_amx_1x1_I8" -> amx). Its name says amx,
    avx512 or avx2, not VNNI or BF16: INT8 on avx512 is avx512_vnni where the CPU has it and the cap allows it
    (oneDNN's avx512_core_vnni kernels), bf16 on avx512 is avx512_bf16 likewise, else plain avx512 (INT8
    through vpmaddubsw, bf16 emulated). gemm_mlas (OpenVINO's MLAS FP32 FullyConnected), jit_gemm, ref: other."""
    p = prim.lower()
    has = lambda f: bool(cpu["flags"] and cpu["flags"].get(f))
    int8 = re.search(r"(^|_)(i8|u8)($|_)", p) is not None
    if "amx" in p:
        return "amx"
    if "avx512" in p:
        if int8:
            return "avx512_vnni" if has("avx512_vnni") and cap_allows(cap, "AVX512_CORE_VNNI") else "avx512"
        if "bf16" in p:
            return "avx512_bf16" if has("avx512_bf16") and cap_allows(cap, "AVX512_CORE_BF16") else "avx512"
        return "avx512"
    if "avx2" in p:
        return "avx2"
    if "sse4" in p:
        return "sse4"
    return "other"


def ov_runtime_summary(compiled, cpu, cap):
    """Which primitives the compiled model executes (its runtime model's rt_info): per layer type of OV_COMPUTE,
    the count of each primitive type; the precisions they run in; the ISA of each and of the run (the highest)."""
    from collections import Counter
    prims, precisions, others = {}, Counter(), Counter()
    for op in compiled.get_runtime_model().get_ordered_ops():
        info = op.get_rt_info()
        get = lambda k: info[k].astype(str) if k in info else "?"
        layer, prim = get("layerType"), get("primitiveType")
        if layer in OV_COMPUTE:
            prims.setdefault(layer, Counter())[prim] += 1
            precisions[get("runtimePrecision")] += 1
        elif layer not in ("Const", "Input", "Output"):
            others[f"{layer}:{prim}"] += 1
    isa_counts = Counter()
    for c in prims.values():
        for prim, n in c.items():
            isa_counts[primitive_isa(prim, cpu, cap)] += n
    isa = max(isa_counts, key=ISA_RANK.index) if isa_counts else "unknown"
    return {"isa": isa, "isa_counts": dict(sorted(isa_counts.items())),
            "primitives": {layer: dict(sorted(c.items())) for layer, c in sorted(prims.items())},
            "runtime_precisions": dict(sorted(precisions.items())), "other_primitives": dict(sorted(others.items()))}


def ov_value(v):
    """A compiled model's property as JSON (element types by their short name: bf16, f32)."""
    if hasattr(v, "to_string"):
        return v.to_string()
    if isinstance(v, (bool, int, float, str)):
        return v
    return getattr(v, "name", str(v))


def ov_worker(spec_path):
    """One OpenVINO run, in a process of its own (network_bench.py --ov-worker SPEC.json): compile, warm up,
    time; writes the times, the compiled model's properties and the summary of its primitives to spec's out."""
    spec = json.load(open(spec_path))
    import importlib.metadata
    import openvino as ov
    core = ov.Core()
    t0 = time.perf_counter()
    compiled = core.compile_model(core.read_model(spec["model"]), "CPU", spec["config"])
    compile_s = time.perf_counter() - t0
    request = compiled.create_infer_request()  # one request, synchronous infer
    x = np.load(spec["input"])
    for _ in range(spec["warmup"]):
        request.infer({0: x}, share_inputs=True)
    t = []
    for _ in range(spec["runs"]):
        t0 = time.perf_counter()
        request.infer({0: x}, share_inputs=True)
        t.append((time.perf_counter() - t0) * 1e3)
    cap = os.environ.get("ONEDNN_MAX_CPU_ISA") or os.environ.get("DNNL_MAX_CPU_ISA")
    json.dump({"times_ms": t, "runs": spec["runs"], "threads": spec["threads"],
               "openvino": importlib.metadata.version("openvino"), "openvino_build": ov.get_version(),
               "compile_s": compile_s, "ov_config": spec["config"],
               "compiled": {p: ov_value(compiled.get_property(p)) for p in OV_PROPS},
               "env": {k: os.environ.get(k) for k in ISA_ENV},
               "runtime": ov_runtime_summary(compiled, cpu_info(), cap)}, open(spec["out"], "w"), indent=1)


def ov_bench(args, model, threads, runs, config, cap, tag):
    """Runs one OpenVINO configuration in a worker process (ONEDNN_MAX_CPU_ISA=cap in its environment only;
    no cap: none of oneDNN's ISA caps, even if this process has one)."""
    spec = os.path.join(args.out, "networks", f"{tag}.spec.json")
    out = os.path.join(args.out, "networks", f"{tag}.json")
    json.dump({"model": model, "threads": threads, "runs": runs, "warmup": WARMUP, "input": args.input_path,
               "out": out, "config": dict(config, INFERENCE_NUM_THREADS=threads, PERFORMANCE_HINT="LATENCY")},
              open(spec, "w"), indent=1)
    env = {k: v for k, v in os.environ.items() if k not in ISA_ENV}
    if cap:
        env["ONEDNN_MAX_CPU_ISA"] = cap
    cmd = [sys.executable, os.path.abspath(__file__), "--ov-worker", spec]
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        sys.exit(f"network_bench.py: OpenVINO {tag}{f' (ONEDNN_MAX_CPU_ISA={cap})' if cap else ''} failed: "
                 f"{(r.stderr or r.stdout).strip()[-2000:]}")
    return json.load(open(out))


def ov_int8_setup(calib):
    """How the OpenVINO INT8 peer is built (also the key of its cached model)."""
    import importlib.metadata
    return {
        "openvino": importlib.metadata.version("openvino"),
        "nncf": importlib.metadata.version("nncf"),
        "source": "openvino.Core().read_model(ONNX file)",
        "quantize": "nncf.quantize",
        "preset": "default (PERFORMANCE for CNNs: symmetric activations and weights)",
        "target_device": "ANY (default)",
        "subset_size": int(len(calib)),
        "fast_bias_correction": True,  # nncf.quantize's default
        "calibration_samples": int(len(calib)),
        "calibration_sha256": hashlib.sha256(calib.tobytes()).hexdigest()[:16],
        "saved": "openvino.save_model(compress_to_fp16=False)",  # the quantized model as nncf returned it
    }


def ov_int8_model(args, net, model, calib, setup):
    """nncf.quantize's INT8 model of `model` (post-training, default preset, the calibration samples), saved as
    OpenVINO IR and cached under a key of the whole setup, so that a model quantized another way is never
    reused. Returns the path of the .xml and what nncf inserted (FakeQuantize ops)."""
    key = hashlib.sha256(json.dumps(setup, sort_keys=True).encode()).hexdigest()[:12]
    stem = os.path.join(args.out, "networks", f"{net}.ov_int8")
    path, info = f"{stem}.{key}.xml", f"{stem}.{key}.json"
    import glob
    for old in glob.glob(f"{stem}.*.xml") + glob.glob(f"{stem}.*.bin") + glob.glob(f"{stem}.*.json"):
        if old not in (path, path[:-4] + ".bin", info):  # other setups' models: never reused
            os.remove(old)
    if all(os.path.exists(f) and os.path.getmtime(f) > os.path.getmtime(model) for f in (path, path[:-4] + ".bin",
                                                                                         info)):
        return path, json.load(open(info))["fake_quantize"]
    log(f"   openvino: nncf.quantize {net} (default preset, {len(calib)} calibration samples)")
    spec = f"{stem}.{key}.spec.json"
    json.dump({"model": model, "calibration": args.calib_path, "out": path, "info": info, "setup": setup},
              open(spec, "w"), indent=1)
    # in a process of its own, like the OpenVINO runs: no OpenVINO thread pool in the process that times onnxruntime
    r = subprocess.run([sys.executable, os.path.abspath(__file__), "--ov-quantize", spec], capture_output=True,
                       text=True, env={k: v for k, v in os.environ.items() if k not in ISA_ENV})
    os.remove(spec)
    if r.returncode != 0:
        sys.exit(f"network_bench.py: nncf.quantize of {net} failed: {(r.stderr or r.stdout).strip()[-2000:]}")
    return path, json.load(open(info))["fake_quantize"]


def ov_quantize_worker(spec_path):
    """nncf.quantize of one model (network_bench.py --ov-quantize SPEC.json): saves the IR and its info."""
    spec = json.load(open(spec_path))
    setup = spec["setup"]
    os.environ.setdefault("NNCF_CI", "1")  # NNCF's usage telemetry (on by default) off for this process
    import nncf
    import openvino as ov
    nncf.set_log_level(logging.ERROR)
    calib = np.load(spec["calibration"])
    t0 = time.perf_counter()
    q = nncf.quantize(ov.Core().read_model(spec["model"]),
                      nncf.Dataset([calib[i:i + 1] for i in range(len(calib))]),
                      subset_size=setup["subset_size"], fast_bias_correction=setup["fast_bias_correction"])
    seconds = time.perf_counter() - t0
    fq = sum(op.get_type_name() == "FakeQuantize" for op in q.get_ops())
    if fq == 0:
        sys.exit(f"network_bench.py: nncf.quantize inserted no FakeQuantize into {spec['model']}")
    ov.save_model(q, spec["out"], compress_to_fp16=False)
    json.dump({"setup": setup, "fake_quantize": fq, "quantize_s": seconds}, open(spec["info"], "w"), indent=1)


def ov_setup_line(ov_setup, threads_list, cap_state):
    """The table's description of the OpenVINO peers."""
    s = ov_setup
    line = (f"Peer setup (OpenVINO): openvino {s['openvino']} CPU plugin; read_model on the same ONNX files; "
            f"compile_model(\"CPU\") with INFERENCE_NUM_THREADS = the row's threads "
            f"({', '.join(map(str, threads_list))}), PERFORMANCE_HINT=LATENCY (compiled: NUM_STREAMS "
            f"{s['compiled'].get('NUM_STREAMS')}, ENABLE_CPU_PINNING {s['compiled'].get('ENABLE_CPU_PINNING')}, "
            f"ENABLE_HYPER_THREADING {s['compiled'].get('ENABLE_HYPER_THREADING')}); one infer request, "
            f"synchronous infer, {WARMUP} warm-up runs, every run in a process of its own; "
            f"fp32: INFERENCE_PRECISION_HINT=f32; default: the plugin's default precision "
            f"({s.get('default_precision', '?')} here)")
    if "int8" in s:
        q = s["int8"]
        line += (f"; int8: nncf {q['nncf']} nncf.quantize (default preset, target_device ANY, subset_size "
                 f"{q['subset_size']}, fast_bias_correction {q['fast_bias_correction']}) of the model read from "
                 f"the ONNX file, on the same {q['calibration_samples']} calibration samples as mobiq, default "
                 f"precision for the layers it leaves in float")
        if cap_state:
            line += "; " + cap_state
    return line + "."


def ov_isa_lines(results, net):
    """One line per OpenVINO configuration of `net`: the ISA and the primitive types of its compute ops."""
    lines = []
    rows = [r for r in results if r["network"] == net and "runtime" in r]
    for config in dict.fromkeys(r["config"] for r in rows):
        per = [(r["threads"], r["runtime"]) for r in rows if r["config"] == config]
        groups = {}
        for threads, rt in per:
            groups.setdefault(json.dumps(rt["primitives"], sort_keys=True), []).append((threads, rt))
        for same in groups.values():
            rt = same[0][1]
            ths = ", ".join(str(t) for t, _ in same)
            prims = "; ".join(f"{layer}: " + ", ".join(f"{p} x{n}" for p, n in c.items())
                              for layer, c in rt["primitives"].items())
            isa = ", ".join(f"{k} {v}" for k, v in sorted(rt["isa_counts"].items(), key=lambda kv: -kv[1]))
            lines.append(f"- ISA ({net}, {ths} thread(s)) {config}: **{rt['isa']}** (ops by ISA: {isa}; {prims})")
    return lines


def precision_class(r):
    """fp32 / int8 / the float precision a row computes in ("vs best peer" compares within a class)."""
    if "int8" in r["config"]:
        return "int8"
    if r["config"].startswith(OV_DEFAULT):
        p = r["compiled"]["INFERENCE_PRECISION_HINT"]
        return "fp32" if p == "f32" else p
    return "fp32"


def is_peer(r):
    """The rows the "vs best peer" column compares with: onnxruntime and OpenVINO as configured for this
    machine (not the ISA-capped what-if row)."""
    return not r["config"].startswith("mobiq ") and r.get("key") != OV_INT8_CAP


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
    for _ in range(WARMUP):
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


def table(results, command, peers=()):
    lines = [f"Produced by: `{command}` ({time.strftime('%Y-%m-%d')}). Medians over the runs (min / p90 in "
             "networks.json); \"vs mobiq FP32\" is mobiq FP32's median over the row's, in the same run; "
             "\"vs best peer\" is the median of the fastest peer (onnxruntime or OpenVINO; not the ISA-capped "
             "row) in the row's precision class (FP32 rows: FP32 peers; INT8 rows: INT8 peers; bf16: bf16) over "
             "the row's, same threads: above 1x the row is faster than that peer.", ""]
    for peer in peers:
        lines += [peer, ""]
    for net in sorted({r["network"] for r in results}):
        lines += [f"#### {net}", "",
                  "| threads | config | median ms | min ms | p90 ms | vs mobiq FP32 | vs best peer | "
                  "activation arena MiB |",
                  "|---:|---|---:|---:|---:|---:|---:|---:|"]
        for threads in sorted({r["threads"] for r in results if r["network"] == net}):
            rows = [r for r in results if r["network"] == net and r["threads"] == threads]
            fp32 = next(r for r in rows if r["config"] == "mobiq fp32")["median_ms"]
            for r in rows:
                arena = f"{r['arena_bytes'] / 2**20:.2f}" if "arena_bytes" in r else ""
                vs_peer = f"{r['vs_best_peer']:.2f}x" if r.get("vs_best_peer") else ""
                lines.append(f"| {threads} | {r['config']} | {r['median_ms']:.2f} | {r['min_ms']:.2f} | "
                             f"{r['p90_ms']:.2f} | {fp32 / r['median_ms']:.2f}x | {vs_peer} | {arena} |")
        lines.append("")
        isa = ov_isa_lines(results, net)
        if isa:
            lines += isa + [""]
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


def cap_check(uncapped, capped):
    """Whether ONEDNN_MAX_CPU_ISA changed the capped INT8 run's primitives: (label of the row, line)."""
    u, c = uncapped["runtime"], capped["runtime"]
    int8 = lambda rt: {(layer, p): n for layer, ps in rt["primitives"].items() for p, n in ps.items()
                       if re.search(r"(^|_)(i8|u8)($|_)", p.lower())}  # the float ops differ anyway (f32 hint)
    if int8(u) == int8(c):
        return ("openvino int8 ISA cap had no effect (nncf)",
                f"ONEDNN_MAX_CPU_ISA={OV_CAP_ISA} changed no INT8 primitive (ISA {c['isa']}, as uncapped)")
    if "amx" in c["isa_counts"]:
        return ("openvino int8 ISA cap left amx (nncf)",
                f"ONEDNN_MAX_CPU_ISA={OV_CAP_ISA} left {c['isa_counts']['amx']} AMX primitives")
    return (f"openvino int8 capped to {c['isa']} (nncf)",
            f"ONEDNN_MAX_CPU_ISA={OV_CAP_ISA} took the compute ops from {u['isa']} to {c['isa']}")


def add_peer_ratios(results):
    """Each row's precision class and its "vs best peer": the fastest peer's median in that class (same network
    and threads) over the row's."""
    for r in results:
        r["precision_class"] = precision_class(r)
        best = [p["median_ms"] for p in results if p["network"] == r["network"] and p["threads"] == r["threads"]
                and is_peer(p) and precision_class(p) == r["precision_class"]]
        r["vs_best_peer"] = min(best) / r["median_ms"] if best else None


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--ov-worker":
        return ov_worker(sys.argv[2])
    if len(sys.argv) == 3 and sys.argv[1] == "--ov-quantize":
        return ov_quantize_worker(sys.argv[2])
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mobiq", required=True)
    ap.add_argument("--models", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--networks", default="resnet50,mobilenet_v1,vgg16")
    ap.add_argument("--schemes", default="all",
                    help="INT8 schemes, comma-separated: all, or of " + ", ".join(SCHEME_NAMES))
    ap.add_argument("--no-unfolded", action="store_true", help="leave out the BN-not-folded rows")
    ap.add_argument("--quick", action="store_true", help="fewer runs, no onnxruntime or OpenVINO INT8")
    ap.add_argument("--no-openvino", action="store_true", help="leave out the OpenVINO rows")
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
        schemes = [s for s in INT8_SCHEMES + OPTIONAL_SCHEMES if s[0].removeprefix("int8 ") in wanted]
    openvino = not args.no_openvino
    if openvino and not (importlib.util.find_spec("openvino") and (args.quick or importlib.util.find_spec("nncf"))):
        sys.exit("network_bench.py: openvino / nncf not installed: .venv/bin/pip install -r tools/requirements.txt "
                 "(or --no-openvino)")
    logging.getLogger().setLevel(logging.ERROR)  # onnxruntime.quantization's warnings (root logger)
    os.makedirs(os.path.join(args.out, "networks"), exist_ok=True)
    calib_path = os.path.join(args.out, "networks", "calibration.npy")
    calib = seeded_calibration(calib_path)
    args.calib_path = calib_path
    x = np.random.default_rng(1).standard_normal((1, 3, 224, 224)).astype(np.float32)
    args.input_path = os.path.join(args.out, "networks", "input.npy")  # the OpenVINO workers' input: the same x
    np.save(args.input_path, x)
    nets = args.networks.split(",")
    threads_list = [int(t) for t in args.threads.split(",")]
    cpu = cpu_info()
    peer = None if args.quick else ort_int8_setup(calib)
    if peer:
        peer["batchnorm_left"] = {}
    ov_int8 = None if args.quick or not openvino else ov_int8_setup(calib)
    # the capped row only where it can differ: a CPU with AMX (or flags unknown: then the check says)
    ov_cap = ov_int8 is not None and (cpu["flags"] is None or cpu["flags"]["amx_int8"])
    cap_lines = {}  # the cap check's result -> the runs (network, threads) it holds for
    results = []
    for ni, net in enumerate(nets):
        model = os.path.join(args.models, net + ".onnx")
        if not os.path.exists(model):
            sys.exit(f"network_bench.py: no model {model}")
        runs = args.runs or max(3, RUNS.get(net, 20) // (4 if args.quick else 1) // args.rounds)
        unfolded = net != "vgg16" and not args.no_unfolded  # VGG16 has no batch normalisation
        configs = [("mobiq fp32", "mobiq", [])]  # (label, engine, its parameters)
        if unfolded:
            configs.append(("mobiq fp32 no-bn-fold", "mobiq", ["--no-bn-fold"]))
        if net != "mobilenet_v1":  # MobileNet-v1 has no 3x3 stride-1 convolution
            # auto runs FP32 Winograd where it is faster (decision 41); this row is mobiq FP32 without it.
            configs.append(("mobiq fp32 no-winograd", "mobiq", ["--conv", "auto-no-winograd"]))
        configs += [("mobiq " + label, "mobiq", ["--precision", "int8", "--calib-data", calib_path, *flags])
                    for label, flags in schemes]
        if unfolded:
            configs.append(("mobiq int8 no-bn-fold", "mobiq", ["--precision", "int8", "--calib-data", calib_path,
                                                               "--no-bn-fold"]))
        configs.append(("onnxruntime fp32", "ort", model))
        if peer:
            key_setup = {k: v for k, v in peer.items() if k != "batchnorm_left"}
            ort_int8, peer["batchnorm_left"][net] = ort_int8_model(args, net, model, calib, key_setup)
            configs.append((ORT_INT8_LABEL, "ort", ort_int8))
        fq = None
        if openvino:
            configs += [(OV_FP32, "ov", (model, {"INFERENCE_PRECISION_HINT": "f32"}, None)),
                        (OV_DEFAULT, "ov", (model, {}, None))]
        if ov_int8:
            ov_model, fq = ov_int8_model(args, net, model, calib, ov_int8)
            configs.append((OV_INT8, "ov", (ov_model, {}, None)))
            if ov_cap:  # f32: OpenVINO's default where the CPU has no AVX-512 BF16 (the cap does not change it)
                configs.append((OV_INT8_CAP, "ov", (ov_model, {"INFERENCE_PRECISION_HINT": "f32"}, OV_CAP_ISA)))
        for threads in threads_list:
            rounds = {label: [] for label, _, _ in configs}
            for rnd in range(args.rounds):
                for ci, (label, engine, params) in enumerate(configs):
                    log(f"[{net} {ni + 1}/{len(nets)}, {threads} thread(s), round {rnd + 1}/{args.rounds}, "
                        f"{ci + 1}/{len(configs)}] {label}")
                    tag = re.sub(r"[^A-Za-z0-9._-]", "", f"{net}_t{threads}_r{rnd}_"
                                 f"{label.replace(' ', '_').replace('/', '-')}")
                    if engine == "mobiq":
                        r = mobiq_bench(args, model, threads, params, runs, tag)
                    elif engine == "ort":
                        r = ort_bench(params, threads, runs, x)
                    else:
                        r = ov_bench(args, params[0], threads, runs, params[1], params[2], tag)
                    rounds[label].append(r)
                    log(f"   median {np.median(r['times_ms']):.2f} ms"
                        + (f" ({r['compiled']['INFERENCE_PRECISION_HINT']}, ISA {r['runtime']['isa']})"
                           if engine == "ov" else ""))
            rows = {}
            for label, engine, _ in configs:
                r = summarize(rounds[label])
                r.update(network=net, config=label, key=label)
                if label == ORT_INT8_LABEL:
                    r["setup"] = {k: v for k, v in peer.items() if k != "batchnorm_left"}
                    r["setup"].update(batchnorm_left=peer["batchnorm_left"][net], intra_op_num_threads=threads,
                                      **ort_kernels(cpu))
                elif label == "onnxruntime fp32":
                    r["setup"] = {"graph_optimization_level": GRAPH_OPT, "provider": "CPUExecutionProvider",
                                  "intra_op_num_threads": threads, "inter_op_num_threads": 1, **ort_kernels(cpu)}
                elif engine == "ov":
                    if any(o["runtime"]["primitives"] != r["runtime"]["primitives"] for o in rounds[label]):
                        r["runtime_differs_between_rounds"] = True
                        log(f"   note: {net} {label}: the primitives differ between rounds (networks.json: last)")
                    r["setup"] = {k: r.pop(k) for k in ("openvino", "openvino_build", "ov_config", "compiled",
                                                        "env", "compile_s")}
                    r["setup"].update(device="CPU", infer="one InferRequest, synchronous infer(share_inputs=True)",
                                      warmup=WARMUP, process="own process per round", cpu=cpu)
                    r["compiled"] = r["setup"]["compiled"]
                    if label == OV_DEFAULT:
                        r["config"] = f"{OV_DEFAULT} ({r['compiled']['INFERENCE_PRECISION_HINT']})"
                    if label in (OV_INT8, OV_INT8_CAP):
                        r["setup"].update(int8=ov_int8, fake_quantize=fq)
                rows[label] = r
                results.append(r)
            if OV_INT8_CAP in rows:
                rows[OV_INT8_CAP]["config"], line = cap_check(rows[OV_INT8], rows[OV_INT8_CAP])
                rows[OV_INT8_CAP]["cap_check"] = line
                cap_lines.setdefault(line, []).append(f"{net} {threads}t")
                log(f"   ISA cap check ({net}, {threads} thread(s)): {line}")
    add_peer_ratios(results)
    json.dump(results, open(os.path.join(args.out, "networks.json"), "w"), indent=1)
    peers = [setup_line(peer, threads_list)] if peer else []
    ov_rows = [r for r in results if r.get("key") == OV_FP32]
    if ov_rows:
        default = next(r for r in results if r.get("key") == OV_DEFAULT)
        ov_setup = {"openvino": ov_rows[0]["setup"]["openvino"], "compiled": ov_rows[0]["compiled"],
                    "default_precision": default["compiled"]["INFERENCE_PRECISION_HINT"]}
        if ov_int8:
            ov_setup["int8"] = ov_int8
        if ov_cap:
            cap_state = (f"int8 capped: ONEDNN_MAX_CPU_ISA={OV_CAP_ISA} in that run's process only, "
                         "INFERENCE_PRECISION_HINT=f32 (the CPU plugin's default on CPUs without AVX-512 BF16; "
                         "under the cap it still defaults to bf16, run on plain AVX-512), not a \"best peer\"; "
                         "cap check: " + "; ".join(f"{line} ({', '.join(runs)})" for line, runs in cap_lines.items()))
        elif ov_int8:
            cap_state = "no ISA-capped INT8 row: this CPU has no AMX (amx_int8 no)"
        else:
            cap_state = ""
        peers.append(ov_setup_line(ov_setup, threads_list, cap_state))
    import onnxruntime as ort
    peers.append(f"Peer setup (kernels): onnxruntime {ort.__version__} runs its MLAS kernels (picked at run time "
                 "from the CPU flags; which ones ran is not reported)"
                 + ("; OpenVINO's executed primitives: the ISA lines under each table" if ov_rows else "")
                 + f". {cpu_flags_line(cpu)}.")
    md = table(results, args.command, peers)
    open(os.path.join(args.out, "networks.md"), "w").write(md + "\n")
    plot(results, os.path.join(args.out, "networks.png"))
    print(md)


if __name__ == "__main__":
    main()
