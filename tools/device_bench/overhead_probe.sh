#!/bin/bash
# On the device machine (tools/device_bench/prepare.sh packed .devcarry/, with
# CALIBRATION=... for the INT8 runs): where mobiq's wall time goes beyond its
# layers' own times, and how the OpenMP wait policy and pinning move it.
# MobileNet-v1 FP32 on the Emerald Rapids host ran 8.2 ms of wall time around
# 5.6 ms of layer medians (docs/results/mobilenet_v1_fp32_layers_vs_openvino_x86_emr_amx_device_2026-12-07.md),
# the Zen 4 dev VM 6.1 around 6.0. Per configuration, ROUNDS alternations
# (default 3) of `mobiq bench` pinned to two cores (taskset -c 2,3) unless
# named unpinned; --profile runs also give the per-run time outside the layers
# (outside_layers_ms) and each layer's mean beside its median.
# LAYER_BENCH=regex: layer_bench rows before (kernels alone, pinned).
# Also ResNet50 INT8 --no-amx with u8_weights on / off, profiled (decision 53:
# which layers lose on Intel). Results (JSON, logs) under $OUT.
#   run(command="bash tools/device_bench/overhead_probe.sh", carry=[".devcarry"])
set -u
cd "$(dirname "$0")/../.."
D=.devcarry
OUT=${OUT:-build/probe_out}
mkdir -p build/host/bin "$OUT"
python3 tools/device_bench/unxz.py $D/mobiq.xz build/host/bin/mobiq || exit 1
export LD_LIBRARY_PATH=$PWD/$D/libs
{ lscpu | grep -E "Model name|Flags"; grep -m3 -E "family|model" /proc/cpuinfo; nproc; } > "$OUT/cpu.txt"
$D/machine_peak 2 2>&1 | tee "$OUT/peak.txt"
# LAYER_BENCH="regex": those layer_bench rows first (the host_x86 kernels alone), pinned, 3 repetitions.
if [ -n "${LAYER_BENCH:-}" ]; then
  python3 tools/device_bench/unxz.py $D/layer_bench.xz build/host/bin/layer_bench || exit 1
  taskset -c 2,3 build/host/bin/layer_bench --threads=2 --family=host_x86 "--benchmark_filter=$LAYER_BENCH" \
    --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    > "$OUT/layer_bench.txt" 2>&1
  grep -E "peak|_median" "$OUT/layer_bench.txt" | sed -E 's/ +[0-9.]+ ms +[0-9]+ / /'
fi
[ -f build/models/resnet50.onnx ] || python3 networks/make_models.py --out build/models --only mobilenet_v1,resnet50 > "$OUT/models.log" 2>&1 ||
  { tail -5 "$OUT/models.log"; exit 1; }
M=build/host/bin/mobiq
mb=(bench --model build/models/mobilenet_v1.onnx --precision fp32 --threads 2 --warmup 10 --runs 200)
r50=(bench --model build/models/resnet50.onnx --precision int8 --requantization fp32 --no-amx
     --calib-data $D/calibration.npy --threads 2 --warmup 5 --runs 40 --profile)
pinned() { taskset -c 2,3 "$@"; }
line() { grep -E "median|outside" | tr '\n' ' '; echo; }
J=build/probe_json  # the runs' JSON (the device tool returns few files: summaries go to $OUT)
mkdir -p $J
for r in $(seq 1 "${ROUNDS:-3}"); do
  echo "round $r"
  [ "${MOBILENET:-1}" = 0 ] || {
  echo -n "mb profiled       "; pinned $M "${mb[@]}" --profile --json "$OUT/mb_profiled_$r.json" | line
  echo -n "mb plain          "; pinned $M "${mb[@]}" --json "$OUT/mb_plain_$r.json" | line
  echo -n "mb omp active     "; OMP_WAIT_POLICY=ACTIVE pinned $M "${mb[@]}" --json "$OUT/mb_active_$r.json" | line
  echo -n "mb omp passive    "; OMP_WAIT_POLICY=PASSIVE pinned $M "${mb[@]}" --json "$OUT/mb_passive_$r.json" | line
  echo -n "mb unpinned       "; $M "${mb[@]}" --json "$OUT/mb_unpinned_$r.json" | line
  echo -n "mb active profiled"; OMP_WAIT_POLICY=ACTIVE pinned $M "${mb[@]}" --profile --json "$OUT/mb_active_profiled_$r.json" | line
  }
  for u in off on core; do
    echo -n "r50 u8w $u        "; pinned $M "${r50[@]}" --u8-weights $u --json "$J/r50_u8w_${u}_$r.json" 2>/dev/null | line
  done
done 2>&1 | tee "$OUT/log.txt"
# ResNet50 per layer: the min over the rounds of each layer's median, u8 weights off / on / core.
python3 - "$J" > "$OUT/r50_u8w_layers.txt" <<'PY'
import glob, json, sys
t = {}
for f in glob.glob(sys.argv[1] + "/r50_u8w_*.json"):
    u = f.rsplit("_", 2)[-2]
    for l in json.load(open(f))["layers"]:
        t.setdefault(l["name"], {}).setdefault(u, []).append(l["ms"])
        t[l["name"]]["variant_" + u] = l["variant"]
print("layer off_ms on_ms core_ms on/off core/off variant_on")
s = {"off": 0.0, "on": 0.0, "core": 0.0}
for n, v in t.items():
    m = {u: min(v[u]) for u in ("off", "on", "core") if u in v}
    if len(m) < 3: continue
    for u in s: s[u] += m[u]
    print(n, " ".join("%.4f" % m[u] for u in ("off", "on", "core")), "%.3f %.3f" % (m["on"] / m["off"], m["core"] / m["off"]), v["variant_on"])
print("sum", " ".join("%.3f" % s[u] for u in ("off", "on", "core")))
PY
tail -1 "$OUT/r50_u8w_layers.txt"
