#!/usr/bin/env bash
# The main job (at this stage): INT8 and FP32 GEMM at every ResNet50 layer shape
# on 1 and 2 threads, as time, GOP/s and % of this machine's peak measured in
# the same process, plus the INT8/FP32 ratio. Writes build/bench/gemm.{md,png}
# and the raw JSON; --docs also copies them into docs/.
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
for t in 1 2; do
  echo "== gemm_bench, $t thread(s): $reps repetitions, median and cv"
  build/host/bench/gemm_bench --threads=$t --benchmark_repetitions=$reps --benchmark_min_time=$min_time \
    --benchmark_report_aggregates_only=true --benchmark_out=build/bench/gemm_threads$t.json \
    --benchmark_out_format=json 2>&1 | grep -E '^threads|_median' | sed -E 's/ +[0-9.]+ ms +[0-9]+ //' || true
done
.venv/bin/python tools/gemm_table.py build/bench/gemm_threads1.json build/bench/gemm_threads2.json \
  --md build/bench/gemm.md --png build/bench/gemm.png --command "bash tools/bench.sh${docs:+ --docs}" >/dev/null
cat build/bench/gemm.md
echo "table: build/bench/gemm.md, plot: build/bench/gemm.png"
if [ "$docs" = 1 ]; then
  cp build/bench/gemm.md docs/gemm_benchmark_table.md
  cp build/bench/gemm.png docs/gemm_benchmark.png
  for t in 1 2; do cp build/bench/gemm_threads$t.json build/bench/gemm_threads$t.json.peak docs/; done
  echo "copied into docs/"
fi
