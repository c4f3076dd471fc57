#!/bin/bash
# Packs what the network table needs on the device machine (an Intel Xeon
# with AMX behind the `device` tool: no network there, Ubuntu, no zstd) into
# .devcarry/ (git-ignored through .git/info/exclude), under its 64 MiB carry
# limit: the built mobiq and layer_bench binaries (stripped, xz), the Debian shared libraries
# it links that Ubuntu lacks, machine_peak, and OpenVINO + NNCF as wheels
# (OpenVINO's wheel less its GPU / NPU plugins and non-ONNX frontends, which
# the CPU runs never load). Then, with the device tool:
#   run(command="ROUNDS=4 bash tools/device_bench/run_on_device.sh", carry=[".devcarry"])
set -euo pipefail
cd "$(dirname "$0")/../.."
D=.devcarry
grep -qx "/$D/" .git/info/exclude 2>/dev/null || echo "/$D/" >> .git/info/exclude
rm -rf "$D" && mkdir -p "$D/libs"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for b in bin/mobiq bench/layer_bench; do
  strip -o "$tmp/${b#*/}" "build/host/$b"
  xz -6 -T2 -c "$tmp/${b#*/}" > "$D/${b#*/}.xz"
done
cp build/host/bench/machine_peak "$D/"
# CALIBRATION=file.npy: the INT8 calibration batch of overhead_probe.sh.
[ -n "${CALIBRATION:-}" ] && cp "$CALIBRATION" "$D/calibration.npy"
# The shared libraries they link, less the C / C++ runtime and zlib (the device's Ubuntu has those).
ldd build/host/bin/mobiq build/host/bench/layer_bench | awk '$3 ~ /^\// {print $3}' | sort -u |
  grep -v -E '/(libc|libm|libstdc\+\+|libgcc_s|libz)\.so' | while read -r l; do cp -L "$l" "$D/libs/"; done
ov=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('openvino'))")
nncf=$(.venv/bin/python -c "import importlib.metadata as m; print(m.version('nncf'))")
dl() {  # the device's Python is 3.12
  python3 -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 --implementation cp \
    --platform manylinux_2_28_x86_64 --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64 -d "$1" "$2"
}
dl "$tmp" "openvino==$ov"
dl "$D" "nncf==$nncf"
dl "$D" "openvino-telemetry==2025.2.0"
dl "$D" "pydot==3.0.4"
(cd "$tmp" && unzip -q openvino-*.whl && rm -f openvino-*.whl &&
 rm -f openvino/libs/libopenvino_intel_{gpu,npu}_plugin.so openvino/libs/cache.json \
       openvino/libs/libopenvino_{tensorflow,tensorflow_lite,pytorch,paddle,gguf,jax}_frontend.so* &&
 rm -rf openvino/frontend/{pytorch,tensorflow,paddle,jax} mobiq &&
 tar -cf - openvino openvino-*.dist-info) | xz -6 -T2 > "$D/ov.tar.xz"
du -sh "$D"
