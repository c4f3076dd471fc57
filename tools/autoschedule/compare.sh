#!/usr/bin/env bash
# docs/autoschedule.md's comparison: the hand schedules and every autoscheduled
# variant at the layers they were made for, one interleaved layer_bench run
# (2 threads, 20 repetitions in random order, medians), then the table.
#   bash tools/autoschedule/compare.sh   (after a host build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cd "$root"
mkdir -p build/bench
filter="$(cat tools/autoschedule/layers.regex)"  # the layers the variants were made for
build/host/bench/layer_bench --threads=2 --benchmark_filter="$filter" --benchmark_min_time=0.2 \
  --benchmark_repetitions=20 --benchmark_enable_random_interleaving=true \
  --benchmark_out=build/bench/autoschedule.json --benchmark_out_format=json >build/bench/autoschedule.log
.venv/bin/python tools/autoschedule/table.py build/bench/autoschedule.json
