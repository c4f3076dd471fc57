#!/usr/bin/env bash
# The main job: the paper-style table. ResNet50, MobileNet-v1 and VGG16 end to
# end through `mobiq bench` (FP32; INT8 in each quantization scheme; BN folded
# or not), 1 and 2 threads, with onnxruntime FP32 and INT8 timed in the same
# run (tools/network_bench.py) -> build/bench/networks.{md,png,json}.
#
#   bash tools/bench.sh [--docs] [--quick] [--kernels]
#
# --kernels also runs the kernel benchmarks (issue 3: gemm_bench at ResNet50's
# GEMM shapes and layer_bench over every layer and method, with % of the peak
# measured in the same process) -> build/bench/{gemm,layers}.{md,png}.
# --docs copies the results into docs/results/. Run tools/setup.sh once first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
[ -x .venv/bin/cmake ] || { echo "bench.sh: no .venv: run 'bash tools/setup.sh' first"; exit 1; }
docs=0; reps=5; min_time=0.2; kernels=0; quick=""
for a in "$@"; do
  case "$a" in
    --docs) docs=1 ;;
    --quick) reps=3; min_time=0.05; quick="--quick --rounds 1" ;;
    --kernels) kernels=1 ;;
    *) echo "bench.sh: unknown option '$a' (known: --docs, --quick, --kernels)"; exit 2 ;;
  esac
done
mkdir -p build/bench
echo "== build host (kernels, runtime, mobiq, models)"
{ cmake --preset host && cmake --build --preset host -j "$(nproc)"; } >build/bench/build.log 2>&1 \
  || { tail -30 build/bench/build.log; echo "bench.sh: build failed (log: build/bench/build.log)"; exit 1; }
cmd="bash tools/bench.sh$( [ "$docs" = 1 ] && echo ' --docs')"
echo "== networks: mobiq FP32 / INT8 schemes and onnxruntime, 1 and 2 threads"
.venv/bin/python tools/network_bench.py --mobiq build/host/bin/mobiq --models build/models --out build/bench \
  --command "$cmd" $quick | grep --line-buffered -vE "^WARNING:root" | grep --line-buffered -E "^\[|median|^\|" || true
echo "table: build/bench/networks.md; plot: build/bench/networks.png"
if [ "$kernels" = 1 ]; then
  for t in 1 2; do
    echo "== gemm_bench, $t thread(s): $reps repetitions, median and cv"
    build/host/bench/gemm_bench --threads=$t --benchmark_repetitions=$reps --benchmark_min_time=$min_time \
      --benchmark_report_aggregates_only=true --benchmark_out=build/bench/gemm_threads$t.json \
      --benchmark_out_format=json 2>&1 | grep -E '^threads|_median' | sed -E 's/ +[0-9.]+ ms +[0-9]+ //' || true
  done
  .venv/bin/python tools/gemm_table.py build/bench/gemm_threads1.json build/bench/gemm_threads2.json \
    --md build/bench/gemm.md --png build/bench/gemm.png --command "$cmd --kernels" >/dev/null
  for t in 1 2; do
    echo "== layer_bench, $t thread(s): every layer of the three networks, every method"
    build/host/bench/layer_bench --threads=$t --benchmark_repetitions=$reps --benchmark_min_time=$min_time \
      --benchmark_report_aggregates_only=true --benchmark_out=build/bench/layers_threads$t.json \
      --benchmark_out_format=json 2>&1 | grep -cE '_median' | sed 's/^/   benchmarks run: /' || true
  done
  .venv/bin/python tools/layer_table.py build/bench/layers_threads1.json build/bench/layers_threads2.json \
    --md build/bench/layers.md --png build/bench/layers.png --command "$cmd --kernels" >/dev/null
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
