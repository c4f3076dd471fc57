// What a Mali schedule assumes of its GPU. One header per GPU (g52.h, g72.h,
// g76.h) fills this in and says why; the kernels' Mali schedule files apply it.
// Common to all three (Bifrost): no dedicated local memory (__local is ordinary
// cache-backed memory, so the schedules never stage through it), 128-bit
// vector registers and loads (int4 / float4 / char16), clauses that like
// several independent outputs per work-item. Their speed is NOT measured here:
// no Mali device is reachable; these schedules are verified for correctness on
// PoCL and built for arm-64-android-opencl (docs/mali.md).
#pragma once

#include "common/gpu_gemm.h"

namespace mobiq {

struct MaliGpu {
    const char *family;            // schedule family name, e.g. "mali_g52"
    GpuGemmTile gemm_int8;         // per-work-item tile and work-group of gemm_int8
    GpuGemmTile gemm_fp32;         // same for gemm_fp32
    int requantize_vector;         // int32 lanes per work-item in requantize
    int requantize_group_x, requantize_group_y;
    bool has_int8_dot;             // cl_arm_integer_dot_product_int8 (arm_dot); see docs/mali.md
};

}  // namespace mobiq
