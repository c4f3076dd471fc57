#!/usr/bin/env bash
# The main job: the paper-style table. ResNet50, MobileNet-v1 and VGG16 end to
# end through `mobiq bench` (FP32; INT8 in each quantization scheme; BN folded
# or not), 1 and 2 threads, with onnxruntime FP32 and INT8 and OpenVINO FP32,
# default precision (bf16 where the CPU has it), INT8 (NNCF) and INT8 capped to
# AVX-512 VNNI (on CPUs with AMX) timed in the same run (tools/network_bench.py)
# -> build/bench/networks.{md,png,json}.
#
#   bash tools/bench.sh [--docs] [--quick] [--kernels] | --smoke
#
# --kernels also runs the kernel benchmarks (issue 3: gemm_bench at ResNet50's
# GEMM shapes and layer_bench over every layer and method, with % of the peak
# measured in the same process) -> build/bench/{gemm,layers}.{md,png}.
# --docs copies the results into docs/results/. --quick: fewer runs, one
# round, no onnxruntime or OpenVINO INT8. --smoke (CI): the same command in
# about a minute after the build: MobileNet-v1, 1 thread, mobiq FP32 and one
# INT8 scheme, onnxruntime FP32 and INT8, the OpenVINO rows, 5 runs
# -> build/bench/smoke/; exits non-zero if an engine fails or the table lacks a
# row. Run tools/setup.sh once first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
[ -x .venv/bin/cmake ] || { echo "bench.sh: no .venv: run 'bash tools/setup.sh' first"; exit 1; }
docs=0; reps=5; min_time=0.2; kernels=0; smoke=0
out=build/bench
net_args=()  # network_bench.py's options for the chosen mode
for a in "$@"; do
  case "$a" in
    --docs) docs=1 ;;
    --quick) reps=3; min_time=0.05; net_args=(--quick --rounds 1) ;;
    --kernels) kernels=1 ;;
    --smoke) smoke=1 ;;
    *) echo "bench.sh: unknown option '$a' (known: --docs, --quick, --kernels, --smoke)"; exit 2 ;;
  esac
done
if [ "$smoke" = 1 ]; then
  if [ $# -ne 1 ]; then echo "bench.sh: --smoke goes alone"; exit 2; fi
  out=build/bench/smoke
  smoke_scheme=asym/per-channel
  net_args=(--networks mobilenet_v1 --threads 1 --schemes "$smoke_scheme" --no-unfolded --rounds 1 --runs 5)
fi
cmd="bash tools/bench.sh${*:+ $*}"  # as run: the tables' "Produced by"
mkdir -p "$out"
echo "== build host (kernels, runtime, mobiq, models)"
{ cmake --preset host && cmake --build --preset host -j "$(nproc)"; } >"$out/build.log" 2>&1 \
  || { tail -30 "$out/build.log"; echo "bench.sh: build failed (log: $out/build.log)"; exit 1; }

# Runs a benchmark through the shell function filter (its stdout; stderr too if asked) and stops the
# script (exit 1) if the benchmark itself failed, whatever the filter found: `cmd | grep ... || true`
# under pipefail would hide that.
checked() {  # name stderr-too(0|1) command...
  local name="$1" both="$2" rc; shift 2
  set +e
  if [ "$both" = 1 ]; then "$@" 2>&1 | filter; rc=${PIPESTATUS[0]}; else "$@" | filter; rc=${PIPESTATUS[0]}; fi
  set -e
  if [ "$rc" -ne 0 ]; then echo "bench.sh: $name failed (exit $rc)"; exit 1; fi
}

if [ "$smoke" = 1 ]; then
  echo "== networks (smoke): mobilenet_v1, 1 thread, mobiq FP32 / INT8 $smoke_scheme, onnxruntime FP32 / INT8, OpenVINO FP32 / default / INT8"
else
  echo "== networks: mobiq FP32 / INT8 schemes, onnxruntime and OpenVINO, 1 and 2 threads"
fi
rm -f "$out/networks.md" "$out/networks.json" "$out/networks.png"
filter() { grep --line-buffered -E "^\[|median|^\||^Peer setup|^- ISA|ISA cap" || true; }
checked network_bench.py 0 .venv/bin/python tools/network_bench.py --mobiq build/host/bin/mobiq --models build/models \
  --out "$out" --command "$cmd" ${net_args[@]+"${net_args[@]}"}
for f in networks.md networks.json networks.png; do
  [ -s "$out/$f" ] || { echo "bench.sh: network_bench.py wrote no $out/$f"; exit 1; }
done
if [ "$smoke" = 1 ]; then  # every engine has its row, with a number
  for row in "mobiq fp32" "mobiq int8 $smoke_scheme" "onnxruntime fp32" "onnxruntime int8" "openvino fp32" \
             "openvino int8 \(nncf"; do
    grep -qE "^\| 1 \| $row[^|]*\| [0-9]+\.[0-9]+ \|" "$out/networks.md" \
      || { echo "bench.sh: smoke: no '$row' row with a latency in $out/networks.md"; exit 1; }
  done
  grep -q "^Peer setup" "$out/networks.md" || { echo "bench.sh: smoke: no peer setup line in $out/networks.md"; exit 1; }
  grep -qF -- "- ISA (mobilenet_v1, 1 thread(s)) openvino int8 (nncf): **" "$out/networks.md" \
    || { echo "bench.sh: smoke: no ISA line of the OpenVINO INT8 run in $out/networks.md"; exit 1; }
  echo "bench.sh: smoke passed (table: $out/networks.md)"
  exit 0
fi
echo "table: $out/networks.md; plot: $out/networks.png"
if [ "$kernels" = 1 ]; then
  filter() { grep -E '^threads|_median' | sed -E 's/ +[0-9.]+ ms +[0-9]+ //' || true; }
  for t in 1 2; do
    echo "== gemm_bench, $t thread(s): $reps repetitions, median and cv"
    checked gemm_bench 1 build/host/bench/gemm_bench --threads=$t --benchmark_repetitions=$reps \
      --benchmark_min_time=$min_time --benchmark_report_aggregates_only=true \
      --benchmark_out=build/bench/gemm_threads$t.json --benchmark_out_format=json
  done
  .venv/bin/python tools/gemm_table.py build/bench/gemm_threads1.json build/bench/gemm_threads2.json \
    --md build/bench/gemm.md --png build/bench/gemm.png --command "$cmd" >/dev/null
  filter() { grep -cE '_median' | sed 's/^/   benchmarks run: /' || true; }
  for t in 1 2; do
    echo "== layer_bench, $t thread(s): every layer of the three networks, every method"
    checked layer_bench 1 build/host/bench/layer_bench --threads=$t --benchmark_repetitions=$reps \
      --benchmark_min_time=$min_time --benchmark_report_aggregates_only=true \
      --benchmark_out=build/bench/layers_threads$t.json --benchmark_out_format=json
  done
  .venv/bin/python tools/layer_table.py build/bench/layers_threads1.json build/bench/layers_threads2.json \
    --md build/bench/layers.md --png build/bench/layers.png --command "$cmd" >/dev/null
  grep -E '^### |^#### |weighted by count' build/bench/gemm.md build/bench/layers.md | sed 's/^[^:]*://'
  echo "tables: build/bench/gemm.md, build/bench/layers.md; plots: build/bench/gemm.png, build/bench/layers.png"
fi
if [ "$docs" = 1 ]; then
  mkdir -p docs/results
  cp build/bench/networks.md docs/results/networks_x86.md
  cp build/bench/networks.png docs/results/networks_x86.png
  cp build/bench/networks.json docs/results/networks_x86.json
  if [ "$kernels" = 1 ]; then
    for f in gemm layers; do
      cp build/bench/$f.md docs/results/${f}_x86.md
      cp build/bench/$f.png docs/results/${f}_x86.png
      for t in 1 2; do cp build/bench/${f}_threads$t.json build/bench/${f}_threads$t.json.peak docs/results/; done
    done
  fi
  echo "copied into docs/results/"
fi
