#!/usr/bin/env bash
# Builds every preset and runs every test suite, then prints the counts per target:
#   host (x86 kernels), OpenCL (the gpu and Mali schedules on the OpenCL device:
#   PoCL here), arm64 (cross-built, run under qemu-aarch64), Android archives
#   (checked: AArch64 ELF, kernel symbols present).
# Run tools/setup.sh once first.
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export PATH="$root/.venv/bin:$PATH"
[ -x .venv/bin/cmake ] || { echo "test.sh: no .venv: run 'bash tools/setup.sh' first"; exit 1; }

jobs=$(nproc)
mkdir -p build
for p in host arm64-linux android-arm64; do  # arm64 and android reuse the host build's generators
  echo "== build $p"
  start=$SECONDS
  if ! { cmake --preset "$p" && cmake --build --preset "$p" -j "$jobs"; } >"build/$p.log" 2>&1; then
    tail -40 "build/$p.log"; echo "test.sh: build of preset $p failed (log: build/$p.log)"; exit 1
  fi
  echo "   built in $((SECONDS - start)) s"
done

declare -A passed failed
run_suite() {  # label preset [ctest args...]
  local label="$1" preset="$2"; shift 2
  echo "== tests: $label"
  local log; log=$(mktemp)
  ctest --preset "$preset" "$@" 2>&1 | tee "$log" | grep -E 'tests passed|\*\*\*|Failed|Timeout|Not Run|OpenCL platform' || true
  # ctest: "100% tests passed out of N" or "X% tests passed, F tests failed out of N".
  local line total=0 fail=1
  line=$(grep -E 'tests passed.* out of [0-9]+' "$log" | tail -1)
  if [ -n "$line" ]; then
    total=$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$line")
    fail=0
    grep -q 'tests failed' <<<"$line" && fail=$(sed -E 's/.*passed, ([0-9]+) tests failed.*/\1/' <<<"$line")
  fi
  passed[$label]=$((total - fail)); failed[$label]=$fail
  rm -f "$log"
}
run_suite host host -E 'opencl|OpenCL'
build/host/tests/mobiq_kernel_tests --gtest_filter='OpenCL.*' | grep 'OpenCL platform' || true
run_suite opencl host -R 'opencl|OpenCL'
run_suite arm64-qemu arm64-linux
run_suite android-archives android-arm64

echo
echo "== summary"
tp=0; tf=0
for label in host opencl arm64-qemu android-archives; do
  printf '%-18s %4d passed, %d failed\n' "$label:" "${passed[$label]}" "${failed[$label]}"
  tp=$((tp + passed[$label])); tf=$((tf + failed[$label]))
  [ "${passed[$label]}" -gt 0 ] || { echo "test.sh: no $label test ran"; tf=$((tf + 1)); }
done
echo "total: $tp passed, $tf failed"
[ "$tf" = 0 ]
