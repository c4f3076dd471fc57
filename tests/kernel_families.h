// The kernel families built into this test binary, as a table of function
// pointers, so every test runs against each family (host x86 or arm64, and the
// OpenCL families on the OpenCL device) under a name that says which.
#pragma once

#include <string>
#include <vector>

#include "HalideBuffer.h"
#include "gtest/gtest.h"

struct halide_buffer_t;

namespace mobiq::test {

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
};

const std::vector<KernelFamily> &kernel_families();

// Marks host-filled buffers dirty so a GPU pipeline uploads them.
template <typename T>
void host_dirty(Halide::Runtime::Buffer<T> &b) {
    b.set_host_dirty();
}

// Brings a result back to the host (no-op for CPU families).
template <typename T>
void to_host(Halide::Runtime::Buffer<T> &b) {
    b.copy_to_host();
}

// gtest prints the family by name (in test lists and failure messages).
inline void PrintTo(const KernelFamily &f, std::ostream *os) { *os << f.name; }

inline std::string family_name(const testing::TestParamInfo<KernelFamily> &info) { return info.param.name; }

}  // namespace mobiq::test
