// The taps' packed GEMM weights as one buffer for winograd_tap_gemm (every tap
// in one launch, decision 45): (g, N, K / g) per tap (gemm_int8 / gemm_int16's
// packing; gemm_fp32's (N, K) is g = 1) stacked to (g, N, K / g, taps).
#pragma once

#include <cstring>
#include <vector>

#include "HalideBuffer.h"

namespace mobiq {

template <typename T>
Halide::Runtime::Buffer<T> stack_tap_weights(const std::vector<Halide::Runtime::Buffer<T>> &taps) {
    const Halide::Runtime::Buffer<T> &b = taps[0];
    const bool flat = b.dimensions() == 2;
    Halide::Runtime::Buffer<T> s(flat ? 1 : b.dim(0).extent(), b.dim(flat ? 0 : 1).extent(),
                                 b.dim(flat ? 1 : 2).extent(), static_cast<int>(taps.size()));
    for (size_t t = 0; t < taps.size(); t++)
        std::memcpy(&s(0, 0, 0, static_cast<int>(t)), taps[t].data(), taps[t].size_in_bytes());
    s.set_host_dirty();
    return s;
}

}  // namespace mobiq
