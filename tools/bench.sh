#!/usr/bin/env bash
# The main job (at this stage): on 1 and 2 threads,
#  1. INT8 and FP32 GEMM at every ResNet50 layer shape (gemm_bench), as time,
#     GOP/s and % of this machine's peak measured in the same process;
#  2. every layer of ResNet50, MobileNet-v1 and VGG16 with every method
#     (layer_bench): best INT8 vs best FP32 per layer and per network.
# Writes build/bench/{gemm,layers}.{md,png} and the raw JSON; --docs also
# copies them into docs/results/.
# Run tools/setup.sh once first.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
[ -x .venv/bin/cmake ] || { echo "bench.sh: no .venv: run 'bash tools/setup.sh' first"; exit 1; }
docs=0; reps=5; min_time=0.2
for a in "$@"; do
  case "$a" in
    --docs) docs=1 ;;
    --quick) reps=3; min_time=0.05 ;;
    *) echo "bench.sh: unknown option '$a' (known: --docs, --quick)"; exit 2 ;;
  esac
done
mkdir -p build/bench
echo "== build host"
{ cmake --preset host && cmake --build --preset host --target gemm_bench -j "$(nproc)"; } >build/bench/build.log 2>&1 \
  || { tail -30 build/bench/build.log; echo "bench.sh: build failed"; exit 1; }
cmake --build --preset host --target layer_bench -j "$(nproc)" >>build/bench/build.log 2>&1 \
  || { tail -30 build/bench/build.log; echo "bench.sh: build failed"; exit 1; }
for t in 1 2; do
  echo "== gemm_bench, $t thread(s): $reps repetitions, median and cv"
  build/host/bench/gemm_bench --threads=$t --benchmark_repetitions=$reps --benchmark_min_time=$min_time \
    --benchmark_report_aggregates_only=true --benchmark_out=build/bench/gemm_threads$t.json \
    --benchmark_out_format=json 2>&1 | grep -E '^threads|_median' | sed -E 's/ +[0-9.]+ ms +[0-9]+ //' || true
done
.venv/bin/python tools/gemm_table.py build/bench/gemm_threads1.json build/bench/gemm_threads2.json \
  --md build/bench/gemm.md --png build/bench/gemm.png --command "bash tools/bench.sh${docs:+ --docs}" >/dev/null
for t in 1 2; do
  echo "== layer_bench, $t thread(s): every layer of the three networks, every method"
  build/host/bench/layer_bench --threads=$t --benchmark_repetitions=$reps --benchmark_min_time=$min_time \
    --benchmark_report_aggregates_only=true --benchmark_out=build/bench/layers_threads$t.json \
    --benchmark_out_format=json 2>&1 | grep -cE '_median' | sed 's/^/   benchmarks run: /' || true
done
.venv/bin/python tools/layer_table.py build/bench/layers_threads1.json build/bench/layers_threads2.json \
  --md build/bench/layers.md --png build/bench/layers.png --command "bash tools/bench.sh${docs:+ --docs}" >/dev/null
grep -E '^### |^#### |weighted by count' build/bench/gemm.md build/bench/layers.md | sed 's/^[^:]*://'
echo "tables: build/bench/gemm.md, build/bench/layers.md; plots: build/bench/gemm.png, build/bench/layers.png"
if [ "$docs" = 1 ]; then
  mkdir -p docs/results
  for f in gemm layers; do
    cp build/bench/$f.md docs/results/${f}_x86.md
    cp build/bench/$f.png docs/results/${f}_x86.png
    for t in 1 2; do cp build/bench/${f}_threads$t.json build/bench/${f}_threads$t.json.peak docs/results/; done
  done
  echo "copied into docs/results/"
fi
