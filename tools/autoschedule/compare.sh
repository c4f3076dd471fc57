#!/usr/bin/env bash
# docs/autoschedule.md's comparison: the hand schedules and every autoscheduled
# variant at the layers they were made for, one interleaved layer_bench run
# (2 threads, 20 repetitions in random order, medians), then the table.
#   bash tools/autoschedule/compare.sh   (after a host build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mkdir -p build/bench
filter='^(resnet50/l2_3x3_128/(int8_gemm|int8_implicit|fp32_gemm)|resnet50/l3_1x1_256to1024/(int8_gemm|fp32_gemm)|vgg16/conv3_2/int8_implicit)(\[|/)'
build/host/bench/layer_bench --threads=2 --benchmark_filter="$filter" --benchmark_min_time=0.2 \
  --benchmark_repetitions=20 --benchmark_enable_random_interleaving=true \
  --benchmark_out=build/bench/autoschedule.json --benchmark_out_format=json >build/bench/autoschedule.log
.venv/bin/python tools/autoschedule/table.py build/bench/autoschedule.json
