#!/usr/bin/env python3
"""The INT8 peers' accuracy on mobiq's held-out split (docs/accuracy.md, "Peers on the same photos"):
onnxruntime FP32 and INT8, OpenVINO FP32 and INT8, on the same photos, preprocessing and calibration set
as the `mobiq eval --skip N --calib-limit N` rows.

Split: the labels' rows sorted by file name; the first --calib calibrate, the rest (or --limit of them) are
evaluated. Preprocessing: eval_onnxruntime.py's torchvision_transform (PIL), mobiq's equal.

- onnxruntime INT8: built as network_bench.py builds its peer: quant_pre_process, then quantize_static QDQ,
  per-channel, QUInt8 activations / QInt8 weights, reduce_range off, MinMax.
- OpenVINO INT8: nncf.quantize (default preset, subset_size = the calibration photos, nncf's other defaults)
  of the model read from the ONNX file. Both OpenVINO models are compiled on CPU with
  INFERENCE_PRECISION_HINT=f32: on a CPU with AMX/bf16 the plugin's default would run the float layers in
  bf16, and then INT8 quantization would not be the only difference from FP32.

Each INT8 model is compared with its own engine's FP32: top-1 agreement and output (logits) SQNR, the signal
and noise energies summed over all images (mobiq eval --compare-fp32 computes it the same way).

    eval_peers.py --model M.onnx --images DIR --labels labels.tsv [--calib 100] [--limit N]
                  [--resize 256] [--crop 224] [--mean a,b,c] [--std a,b,c] [--threads 2]
                  [--engines ort,ov] [--ov-preset performance|mixed] [--work DIR] [--json F]
"""
import argparse
import contextlib
import json
import logging
import os
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from eval_onnxruntime import floats, torchvision_transform  # noqa: E402  (the same preprocessing, not a copy)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def run_all(name, infer, xs):
    """Logits of every image, one at a time (batch 1, as mobiq eval runs), a progress line per 100."""
    out = []
    t0 = time.perf_counter()
    for i, x in enumerate(xs):
        out.append(np.asarray(infer(x), np.float32).reshape(-1))
        if (i + 1) % 100 == 0 or i + 1 == len(xs):
            log(f"  {name}: {i + 1}/{len(xs)} images ({time.perf_counter() - t0:.1f} s)")
    return np.stack(out)


def scores(logits, labels, ref=None):
    """top-1 / top-5 in %, and against a reference's logits the top-1 agreement in % and the SQNR in dB."""
    top5 = np.argsort(-logits, axis=1, kind="stable")[:, :5]
    r = {"top1": 100.0 * float(np.mean(top5[:, 0] == labels)),
         "top5": 100.0 * float(np.mean([l in t for l, t in zip(labels, top5)])),
         "top1_correct": int(np.sum(top5[:, 0] == labels))}
    if ref is not None:
        r["agreement"] = 100.0 * float(np.mean(np.argmax(ref, axis=1) == top5[:, 0]))
        signal = float(np.sum(ref.astype(np.float64) ** 2))
        noise = float(np.sum((ref.astype(np.float64) - logits) ** 2))
        r["sqnr_db"] = None if noise == 0 else 10 * np.log10(signal / noise)
    return r


def ort_session(path, threads):
    import onnxruntime as ort
    o = ort.SessionOptions()
    o.intra_op_num_threads = threads
    o.inter_op_num_threads = 1
    s = ort.InferenceSession(path, o, providers=["CPUExecutionProvider"])
    name = s.get_inputs()[0].name
    return lambda x: s.run(None, {name: x})[0]


def ort_int8(model, calib, work):
    """network_bench.py's onnxruntime INT8 peer (ort_int8_model), calibrated on `calib`."""
    import importlib.util

    import onnx
    import onnxruntime as ort
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    name = ort.InferenceSession(model, providers=["CPUExecutionProvider"]).get_inputs()[0].name

    class Reader(CalibrationDataReader):
        def __init__(self):
            self.items = iter([{name: c} for c in calib])

        def get_next(self):
            return next(self.items, None)

    stem = os.path.join(work, os.path.splitext(os.path.basename(model))[0])
    pre, out = f"{stem}.ort_pre.onnx", f"{stem}.ort_int8.onnx"
    symbolic = importlib.util.find_spec("sympy") is not None  # quant_pre_process's symbolic shape inference
    quant_pre_process(model, pre, skip_symbolic_shape=not symbolic)
    bn = sum(n.op_type == "BatchNormalization" for n in onnx.load(pre).graph.node)
    if bn:  # quant_pre_process only logs a failed optimization; BN left would be quantized on its own
        sys.exit(f"eval_peers.py: quant_pre_process left {bn} BatchNormalization ops in {model}")
    t0 = time.perf_counter()
    quantize_static(pre, out, Reader(), quant_format=QuantFormat.QDQ, per_channel=True, reduce_range=False,
                    activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8)
    seconds = time.perf_counter() - t0
    qdq = sum(n.op_type == "QuantizeLinear" for n in onnx.load(out).graph.node)
    setup = {"onnxruntime": ort.__version__, "preprocess": "quant_pre_process", "symbolic_shape_inference": symbolic,
             "quant_format": "QDQ", "per_channel": True, "reduce_range": False, "activation_type": "QUInt8",
             "weight_type": "QInt8", "calibrate_method": "MinMax", "calibration_samples": len(calib),
             "quantize_linear_ops": qdq, "quantize_s": seconds, "model": out}
    return out, setup


def ov_compile(core, model, threads):
    import openvino.properties.hint as hints
    config = {hints.inference_precision: "f32", "INFERENCE_NUM_THREADS": threads}
    c = core.compile_model(model, "CPU", config)
    req = c.create_infer_request()
    return c, lambda x: req.infer({0: x})[c.output(0)]


def ov_models(model, calib, threads, preset):
    """OpenVINO FP32 and nncf INT8 of the ONNX file, both compiled with the f32 precision hint. preset None:
    nncf's default (PERFORMANCE for CNNs: symmetric activations and weights); "mixed": asymmetric activations."""
    os.environ.setdefault("NNCF_CI", "1")  # NNCF's usage telemetry off for this process
    import importlib.metadata

    import nncf
    import openvino as ov
    nncf.set_log_level(logging.ERROR)
    core = ov.Core()
    fp32 = core.read_model(model)
    t0 = time.perf_counter()
    kw = {"preset": getattr(nncf.QuantizationPreset, preset.upper())} if preset else {}
    with contextlib.redirect_stdout(sys.stderr):  # nncf's progress bar: stdout is the table's
        q = nncf.quantize(core.read_model(model), nncf.Dataset(list(calib)), subset_size=len(calib), **kw)
    seconds = time.perf_counter() - t0
    fq = sum(op.get_type_name() == "FakeQuantize" for op in q.get_ops())
    if fq == 0:
        sys.exit(f"eval_peers.py: nncf.quantize inserted no FakeQuantize into {model}")
    c32, f32 = ov_compile(core, fp32, threads)
    c8, i8 = ov_compile(core, q, threads)
    # the precision the compiled INT8 model's convolutions really run in (u8/i8: INT8 kernels; f32: a float
    # kernel on dequantized inputs, the FakeQuantize rounding still applied)
    prec = {}
    for op in c8.get_runtime_model().get_ops():
        rt = op.get_rt_info()
        if rt["layerType"].astype(str) == "Convolution":
            p = rt["runtimePrecision"].astype(str)
            prec[p] = prec.get(p, 0) + 1
    setup = {"openvino": importlib.metadata.version("openvino"), "nncf": importlib.metadata.version("nncf"),
             "source": "openvino.Core().read_model(ONNX file)",
             "quantize": f"nncf.quantize, preset {preset or 'default'}",
             "subset_size": len(calib), "fake_quantize_ops": fq, "quantize_s": seconds,
             "compile": {"device": "CPU", "INFERENCE_PRECISION_HINT": "f32", "INFERENCE_NUM_THREADS": threads},
             "compiled_precision_hint": c8.get_property("INFERENCE_PRECISION_HINT").to_string(),
             "int8_convolution_runtime_precision": prec}
    return f32, i8, setup


def fmt(v, spec=".2f"):
    return "" if v is None else format(v, spec)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True)
    ap.add_argument("--images", required=True)
    ap.add_argument("--labels", required=True)
    ap.add_argument("--calib", type=int, default=100, help="the first N photos (sorted) calibrate")
    ap.add_argument("--limit", type=int, default=0, help="evaluate only N of the others (0: all)")
    ap.add_argument("--resize", type=int, default=256)
    ap.add_argument("--crop", type=int, default=224)
    ap.add_argument("--mean", type=floats, default=[0.485, 0.456, 0.406])
    ap.add_argument("--std", type=floats, default=[0.229, 0.224, 0.225])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--engines", default="ort,ov", help="ort, ov or both")
    ap.add_argument("--ov-preset", choices=["performance", "mixed"], help="nncf preset (default: nncf's default)")
    ap.add_argument("--work", help="where the quantized models go (default: a temporary folder)")
    ap.add_argument("--json")
    a = ap.parse_args()
    engines = a.engines.split(",")

    rows = []
    with open(a.labels) as f:
        for line in f:
            p = line.rstrip("\n").split("\t")
            if len(p) >= 2:
                rows.append((p[0], int(p[1])))
    rows.sort()  # mobiq eval's order: by file name
    calib_rows, eval_rows = rows[:a.calib], rows[a.calib:]
    if a.limit:
        eval_rows = eval_rows[:a.limit]
    if not calib_rows or not eval_rows:
        sys.exit(f"eval_peers.py: {len(rows)} labelled photos: nothing to calibrate on or to evaluate")
    mean, std = (v * 3 if len(v) == 1 else v for v in (a.mean, a.std))
    log(f"preprocessing {len(calib_rows)} calibration + {len(eval_rows)} evaluation photos")
    load = lambda rs: [torchvision_transform(os.path.join(a.images, f), a.resize, a.crop, mean, std) for f, _ in rs]
    calib, xs = load(calib_rows), load(eval_rows)
    labels = np.array([l for _, l in eval_rows])

    res = {"model": a.model, "calibration": [calib_rows[0][0], calib_rows[-1][0], len(calib_rows)],
           "evaluated": [eval_rows[0][0], eval_rows[-1][0], len(eval_rows)], "threads": a.threads,
           "mean": mean, "std": std, "resize": a.resize, "crop": a.crop, "results": {}, "setup": {}}
    work = a.work or tempfile.mkdtemp(prefix="eval_peers.")
    os.makedirs(work, exist_ok=True)
    out = res["results"]
    logits = {}
    if "ort" in engines:
        import onnxruntime as ort
        logits["ort_fp32"] = run_all("onnxruntime FP32", ort_session(a.model, a.threads), xs)
        out[f"onnxruntime {ort.__version__} FP32"] = scores(logits["ort_fp32"], labels)
        log("onnxruntime INT8: quant_pre_process + quantize_static")
        path, res["setup"]["onnxruntime_int8"] = ort_int8(a.model, calib, work)
        logits["ort_int8"] = run_all("onnxruntime INT8", ort_session(path, a.threads), xs)
        out["onnxruntime INT8 (QDQ, per-channel, MinMax)"] = scores(logits["ort_int8"], labels, logits["ort_fp32"])
    if "ov" in engines:
        log("OpenVINO: nncf.quantize")
        f32, i8, setup = ov_models(a.model, calib, a.threads, a.ov_preset)
        res["setup"]["openvino_int8"] = setup
        logits["ov_fp32"] = run_all("OpenVINO FP32", f32, xs)
        out[f"OpenVINO {setup['openvino'].split('-')[0]} FP32 (f32 hint)"] = scores(logits["ov_fp32"], labels)
        logits["ov_int8"] = run_all("OpenVINO INT8", i8, xs)
        key = f"OpenVINO INT8 (nncf {setup['nncf']}, {a.ov_preset or 'default'} preset)"
        out[key] = scores(logits["ov_int8"], labels, logits["ov_fp32"])
    if "ort_fp32" in logits and "ov_fp32" in logits:
        # the two FP32 references should be one: their differences bound what the INT8 comparison can resolve
        res["fp32_cross_check"] = {k: v for k, v in scores(logits["ov_fp32"], labels, logits["ort_fp32"]).items()
                                   if k in ("agreement", "sqnr_db")}

    n = len(eval_rows)
    lines = [f"{os.path.basename(a.model)}: {n} photos ({eval_rows[0][0]} .. {eval_rows[-1][0]}), calibration "
             f"{len(calib_rows)} ({calib_rows[0][0]} .. {calib_rows[-1][0]}), {a.threads} threads", "",
             "| engine | top-1 % | top-5 % | delta top-1 %p vs own FP32 | top-1 agreement with own FP32 % | "
             "output SQNR vs own FP32 dB |", "|---|---|---|---|---|---|"]
    fp32_top1 = None
    for k, r in out.items():
        if "agreement" not in r:
            fp32_top1 = r["top1"]
            lines.append(f"| {k} | {r['top1']:.2f} | {r['top5']:.2f} | | | |")
        else:
            lines.append(f"| {k} | {r['top1']:.2f} | {r['top5']:.2f} | {r['top1'] - fp32_top1:+.2f} | "
                         f"{r['agreement']:.2f} | {fmt(r['sqnr_db'])} |")
    if "fp32_cross_check" in res:
        c = res["fp32_cross_check"]
        lines += ["", f"OpenVINO FP32 against onnxruntime FP32: top-1 agreement {c['agreement']:.2f} %, "
                      f"SQNR {fmt(c['sqnr_db'])} dB"]
    print("\n".join(lines))
    if a.json:
        with open(a.json, "w") as f:
            json.dump(res, f, indent=1)


if __name__ == "__main__":
    main()
