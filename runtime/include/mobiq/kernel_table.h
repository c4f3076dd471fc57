// The kernel families compiled into this build (x86 or arm64 for the CPU, and
// the OpenCL families gpu, mali_g52/g72/g76 where built), as a table of AOT
// function pointers per operation: the first form of the runtime's kernel
// registry (op, variant, device) -> function. Signatures are those of the
// generators (one per generator; all variants of a generator share it).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

struct halide_buffer_t;

namespace mobiq {

using GemmInt8Fn = int (*)(halide_buffer_t *, int32_t, halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                           halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, int32_t, int32_t, int32_t,
                           halide_buffer_t *);
using GemmFp32Fn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, float, float, halide_buffer_t *);
using RequantizeFn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, int32_t, int32_t, int32_t,
                             halide_buffer_t *);
using Im2colFn = int (*)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, halide_buffer_t *, halide_buffer_t *);
using Conv2dInt8Fn = int (*)(halide_buffer_t *, int32_t, halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                             halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, int32_t, int32_t, int32_t,
                             int32_t, int32_t, int32_t, int32_t, halide_buffer_t *);
using DepthwiseInt8Fn = int (*)(halide_buffer_t *, int32_t, halide_buffer_t *, halide_buffer_t *, halide_buffer_t *,
                                halide_buffer_t *, halide_buffer_t *, int32_t, int32_t, int32_t, int32_t, int32_t,
                                halide_buffer_t *);
using DepthwiseFp32Fn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, float, float, int32_t, int32_t,
                                halide_buffer_t *);
using PoolFn = int (*)(int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, halide_buffer_t *, halide_buffer_t *);
using GlobalPoolFn = int (*)(halide_buffer_t *, halide_buffer_t *);
using AddInt8Fn = int (*)(halide_buffer_t *, int32_t, int32_t, int32_t, halide_buffer_t *, int32_t, int32_t, int32_t,
                          int32_t, int32_t, int32_t, int32_t, int32_t, int32_t, halide_buffer_t *);
using AddFp32Fn = int (*)(halide_buffer_t *, halide_buffer_t *, float, float, halide_buffer_t *);
using QuantizeFn = int (*)(halide_buffer_t *, float, int32_t, halide_buffer_t *);
using Conv2dFp32Fn = int (*)(halide_buffer_t *, halide_buffer_t *, halide_buffer_t *, float, float, int32_t, int32_t,
                             int32_t, int32_t, halide_buffer_t *);

struct KernelFamily {
    std::string name;  // test-name suffix: host_x86, arm64, opencl_gpu, opencl_mali_g52, ...
    bool opencl;
    GemmInt8Fn gemm_int8, gemm_int8_asymw, gemm_int8_i32, gemm_int8_asymw_i32;
    GemmFp32Fn gemm_fp32;
    RequantizeFn requantize_per_channel, requantize_per_layer;
    Im2colFn im2col_int8, im2col_fp32;
    Conv2dInt8Fn conv2d_int8_implicit, conv2d_int8_implicit_asymw;
    Conv2dFp32Fn conv2d_fp32_implicit;
    DepthwiseInt8Fn depthwise_conv2d_int8, batch_norm_int8;
    DepthwiseFp32Fn depthwise_conv2d_fp32, batch_norm_fp32;
    PoolFn max_pool_int8, average_pool_int8, max_pool_fp32, average_pool_fp32;
    GlobalPoolFn global_average_pool_int8, global_average_pool_fp32;
    AddInt8Fn add_int8;
    AddFp32Fn add_fp32;
    QuantizeFn quantize, dequantize;
    GlobalPoolFn softmax_fp32;  // (input, output), both (K, N)
};

const std::vector<KernelFamily> &kernel_families();

// The OpenCL families whose GPU has an int8 dot-product instruction (Mali G52,
// G76), as copies named <family>_arm_dot whose gemm_int8 and
// conv2d_int8_implicit are the arm_dot variants (docs/mali.md); the other
// kernels are the family's own. Run prepare_opencl_arm_dot()
// (mobiq/opencl_arm_dot.h) before calling them.
const std::vector<KernelFamily> &arm_dot_kernel_families();

// The family called `name` (e.g. "host_x86", "opencl_gpu"), or null.
const KernelFamily *find_kernel_family(const std::string &name);

}  // namespace mobiq
