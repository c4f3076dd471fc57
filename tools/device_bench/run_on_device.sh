#!/bin/bash
# On the device machine (tools/device_bench/prepare.sh packed .devcarry/):
# the network table with the peers, 2 threads, on an Intel Xeon with AMX.
# The peers' quantized models are made first on all cores (cached under
# build/amx), then every configuration is timed with the whole benchmark
# pinned to two cores (taskset), interleaved in ROUNDS rounds.
# NETWORKS (default all three) and ROUNDS (default 4) choose the run;
# ROUNDS=0 skips it. LAYERS="resnet50:int8 mobilenet_v1:fp32 ..." also
# times every layer beside OpenVINO's (tools/layer_compare.py, INT8 with
# fp32 requantization), pinned the same way, into OUT/layers_<net>_<prec>.md.
set -u
cd "$(dirname "$0")/../.."
D=.devcarry
OUT=${OUT:-build/amx_out}
mkdir -p /tmp/site build/host/bin "$OUT"
python3 -c "import tarfile, sys; tarfile.open(sys.argv[1]).extractall('/tmp/site')" $D/ov.tar.xz || exit 1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target /tmp/site $D/*.whl || exit 1
export PYTHONPATH=/tmp/site LD_LIBRARY_PATH=$PWD/$D/libs PYTHONUNBUFFERED=1
unxz() { python3 tools/device_bench/unxz.py "$1" "$2"; }
unxz $D/mobiq.xz build/host/bin/mobiq || exit 1
unxz $D/layer_bench.xz build/host/bin/layer_bench || exit 1
{ lscpu | grep -E "Model name|Flags"; grep -m3 -E "family|model" /proc/cpuinfo; } > "$OUT/cpu.txt"
python3 -c "import openvino, nncf, onnxruntime; print(openvino.__version__, nncf.__version__, onnxruntime.__version__)" || exit 1
$D/machine_peak 2 2>&1 | tee "$OUT/peak.txt"
# LAYER_BENCH="regex": those layer_bench rows (the host_x86 kernels alone), pinned, 3 repetitions.
if [ -n "${LAYER_BENCH:-}" ]; then
  taskset -c 2,3 build/host/bin/layer_bench --threads=2 --family=host_x86 "--benchmark_filter=$LAYER_BENCH" \
    --benchmark_min_time=0.2 --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
    > "$OUT/layer_bench.txt" 2>&1
  grep -E "peak|_median" "$OUT/layer_bench.txt"
fi
python3 networks/make_models.py --out build/models || exit 1
args=(--mobiq build/host/bin/mobiq --models build/models --out build/amx --threads 2
      --networks "${NETWORKS:-resnet50,mobilenet_v1,vgg16}" --no-unfolded
      --schemes "${SCHEMES:-asym/per-channel/fp32-rq,asym/per-channel/fp32-rq/no-amx}")
for lp in ${LAYERS:-}; do
  net=${lp%%:*} prec=${lp#*:}
  flags=""; [ "$prec" = int8 ] && flags="--requantization fp32"
  taskset -c 2,3 python3 tools/layer_compare.py --mobiq build/host/bin/mobiq --models build/models --network "$net" \
    --precision "$prec" --threads 2 --runs 30 --out "build/layers_${net}_$prec" --mobiq-flags "$flags" --no-onnxruntime \
    > "$OUT/layers_${net}_$prec.log" 2>&1 && cp "build/layers_${net}_$prec/layers.md" "$OUT/layers_${net}_$prec.md"
done
[ "${ROUNDS:-4}" = 0 ] && exit 0
python3 tools/network_bench.py "${args[@]}" --rounds 1 --runs 1 > "$OUT/prep.txt" 2>&1 || { tail -5 "$OUT/prep.txt"; exit 1; }
taskset -c 2,3 python3 tools/network_bench.py "${args[@]}" --rounds "${ROUNDS:-4}" 2>&1 | tee "$OUT/log.txt"
cp build/amx/networks.md build/amx/networks.json build/amx/networks.png "$OUT/"
