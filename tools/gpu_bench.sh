#!/usr/bin/env bash
# The `gpu` (and Mali) OpenCL schedules timed on a real GPU: every layer of the
# three networks, every method, INT8 and FP32, data resident on the device.
#
# Here (build machine):   bash tools/gpu_bench.sh --pack      -> .device/ (the binaries, stripped and
#                         xz-compressed, + the shared
#                         libraries they load that a GPU machine may lack: ONNX, protobuf, libjpeg,
#                         stb, Google Benchmark, the ICD loader, ...)
# On the GPU machine, in a copy of the repository holding .device/ (ignored by git: the device tool's
# run needs carry [".device"]):
#                         bash tools/gpu_bench.sh --run OUTDIR [--family=opencl_gpu] [--benchmark_filter=REGEX]
#                         bash tools/gpu_bench.sh --networks OUTDIR   (whole networks through `mobiq bench
#                         --device opencl`, FP32 and INT8; the models are generated there by
#                         networks/make_models.py, too large to carry)
#                         bash tools/gpu_bench.sh --autoschedule OUTDIR   (the hand gpu schedules against
#                         Anderson2021's at the layers tools/autoschedule/layers.regex names; then here
#                         tools/autoschedule/table.py OUTDIR/autoschedule_gpu.json)
#                         bash tools/gpu_bench.sh --winograd OUTDIR   (ResNet50 and VGG16 with every
#                         Winograd variant against auto, per binary .device/mobiq*)
# then here:              .venv/bin/python tools/layer_table.py OUTDIR/layer_opencl_gpu.json --md ... --png ...
# NVIDIA's OpenCL needs its ICD registered: --run does `echo libnvidia-opencl.so.1 >
# /etc/OpenCL/vendors/nvidia.icd` when /etc/OpenCL/vendors has no NVIDIA entry.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
# On the GPU machine: the packed binaries unpacked (.device/*.xz: the device
# tool carries at most 64 MiB of tree, the two binaries take ~100 MB as built),
# NVIDIA's ICD registered, the packed libraries on the loader's path.
device_setup() {
  local out="$1" f
  for f in .device/*.xz; do
    [ -e "$f" ] || continue
    python3 tools/device_bench/unxz.py "$f" "${f%.xz}" && rm -f "$f"
  done
  mkdir -p "$out" /etc/OpenCL/vendors
  ls /etc/OpenCL/vendors | grep -qi nvidia || echo libnvidia-opencl.so.1 > /etc/OpenCL/vendors/nvidia.icd
  export LD_LIBRARY_PATH="$root/.device/lib:${LD_LIBRARY_PATH:-}" HL_OCL_DEVICE_TYPE=gpu
  (nvidia-smi -L 2>/dev/null || true) | tee "$out/device.txt"
}
# On the GPU machine, before whole-network runs: device_setup, and
# the models and 4 seeded calibration samples in /tmp/mobiq_models.
network_setup() {
  device_setup "$1"
  mkdir -p /tmp/mobiq_models
  [ -f /tmp/mobiq_models/vgg16.onnx ] || python3 networks/make_models.py --out /tmp/mobiq_models >/dev/null
  python3 -c "import numpy as np; np.save('/tmp/mobiq_models/calib.npy', np.random.default_rng(2021).standard_normal((4, 3, 224, 224)).astype(np.float32))"
}
case "${1:-}" in
  --pack)
    [ -x build/host/bench/layer_bench ] || { echo "gpu_bench.sh: build the host preset first"; exit 1; }
    mkdir -p .device/lib
    # Stripped and xz-compressed (device_setup unpacks them there): ~7 MB each.
    for bin in build/host/bench/layer_bench build/host/bin/mobiq; do
      rm -f ".device/$(basename "$bin")" ".device/$(basename "$bin").xz"
      strip -o ".device/$(basename "$bin")" "$bin" && xz -T2 -6 ".device/$(basename "$bin")"
    done
    # Every shared library the two binaries load beyond glibc's and the compiler's own.
    for lib in $(ldd build/host/bench/layer_bench build/host/bin/mobiq | awk '$3 ~ /^\// {print $3}' | sort -u); do
      case "$(basename "$lib")" in
        libc.so*|libm.so*|libstdc++*|libgcc_s*|libpthread*|libdl.so*|librt.so*|ld-linux*) ;;
        *) cp -L "$lib" .device/lib/ ;;
      esac
    done
    cp /usr/lib/x86_64-linux-gnu/libOpenCL.so.1.0.0 .device/lib/libOpenCL.so
    echo "packed into .device/ ($(du -sh .device | cut -f1))"
    ;;
  --run)
    out="${2:?usage: gpu_bench.sh --run OUTDIR [--family=NAME] [--benchmark_filter=REGEX]}"
    family="${3:---family=opencl_gpu}"
    filter="${4:---benchmark_filter=.}"
    device_setup "$out"
    name="layer_${family#--family=}"
    .device/layer_bench "$family" "$filter" --benchmark_min_time=0.2 --benchmark_repetitions=5 \
      --benchmark_report_aggregates_only=true --benchmark_out="$out/$name.json" --benchmark_out_format=json \
      >"$out/$name.log" 2>&1
    tail -2 "$out/$name.log"
    ;;
  --autoschedule)
    # docs/autoschedule.md's GPU comparison: the gpu family's hand schedules and
    # Anderson2021's variants at the layers they were made for, interleaved.
    out="${2:?usage: gpu_bench.sh --autoschedule OUTDIR}"
    device_setup "$out"
    .device/layer_bench --family=opencl_gpu --benchmark_filter="$(cat tools/autoschedule/layers.regex)" \
      --benchmark_min_time=0.2 --benchmark_repetitions=10 --benchmark_enable_random_interleaving=true \
      --benchmark_out="$out/autoschedule_gpu.json" --benchmark_out_format=json >"$out/autoschedule_gpu.log" 2>&1
    rm -f "$out/autoschedule_gpu.json.peak"  # the CPU's peak: no measure of a GPU kernel
    tail -3 "$out/autoschedule_gpu.log"
    ;;
  --networks)
    out="${2:?usage: gpu_bench.sh --networks OUTDIR}"
    network_setup "$out"
    for net in resnet50 mobilenet_v1 vgg16; do
      for cfg in fp32 int8; do
        flags=(); [ "$cfg" = int8 ] && flags=(--precision int8 --calib-data /tmp/mobiq_models/calib.npy)
        for conv in auto gemm implicit; do
          .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl --conv $conv "${flags[@]}" \
            --runs 50 --warmup 5 --json "$out/net_${net}_${cfg}_${conv}.json" \
            >"$out/net_${net}_${cfg}_${conv}.txt" 2>>"$out/networks.log" || echo "failed: $net $cfg $conv"
          head -1 "$out/net_${net}_${cfg}_${conv}.txt"
        done
        # Per-layer times (each layer waits for the device: slower in total than the runs above).
        .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl "${flags[@]}" --runs 20 --warmup 3 \
          --profile --json "$out/profile_${net}_${cfg}.json" >/dev/null 2>>"$out/networks.log" || echo "failed: profile"
      done
    done
    ;;
  --winograd)
    # Winograd OpenCL sessions against the session's own auto plan (implicit / GEMM
    # layers), ResNet50 and VGG16, FP32 and INT8; each binary in .device/ named
    # mobiq* (e.g. an older build packed as .device/mobiq_before) runs every config,
    # the binaries alternating per config. Then one profiled run per config (layer times).
    # NETS="resnet50" runs one network (a call of the device tool lasts 10 minutes at most).
    out="${2:?usage: gpu_bench.sh --winograd OUTDIR}"
    network_setup "$out"
    int8=(--precision int8 --calib-data /tmp/mobiq_models/calib.npy)
    for net in ${NETS:-resnet50 vgg16}; do
      for cfg in "fp32|auto|" "fp32|winograd-fp32|--winograd-tile 2" "fp32|winograd-fp32|--winograd-tile 4" \
                 "int8|auto|" "int8|winograd-int16|" "int8|winograd-int6w4|" "int8|winograd-int6w8|" \
                 "int8|winograd-tapwise|--winograd-tile 2" "int8|winograd-tapwise|--winograd-tile 4"; do
        IFS='|' read -r precision conv extra <<<"$cfg"
        flags=(--conv "$conv"); [ "$precision" = int8 ] && flags+=("${int8[@]}")
        # shellcheck disable=SC2206
        flags+=($extra)
        tag="${net}_${precision}_${conv}$(echo "$extra" | tr -d ' -' | sed 's/winogradtile/_f/')"
        for bin in .device/mobiq*; do
          b=$(basename "$bin")
          "$bin" bench --model /tmp/mobiq_models/$net.onnx --device opencl "${flags[@]}" --runs 30 --warmup 5 \
            --json "$out/wg_${b}_${tag}.json" >"$out/wg_${b}_${tag}.txt" 2>>"$out/winograd.log" || echo "failed: $b $tag"
          echo "$b $tag: $(head -1 "$out/wg_${b}_${tag}.txt" | grep -o 'median [0-9.]* ms')"
        done
        .device/mobiq bench --model /tmp/mobiq_models/$net.onnx --device opencl "${flags[@]}" --runs 10 --warmup 3 \
          --profile --json "$out/wgprofile_${tag}.json" >/dev/null 2>>"$out/winograd.log" || echo "failed: profile $tag"
      done
    done
    ;;
  *) echo "usage: gpu_bench.sh --pack | --run OUTDIR [--family=NAME] | --autoschedule OUTDIR | --networks OUTDIR | --winograd OUTDIR"; exit 2 ;;
esac
