// Convolution as im2col + GEMM (the paper's method), the one glue the
// runtime's conv operator, the kernel tests and layer_bench share: where
// im2col's 5-D output lies inside the GEMM's (K, M) operand, and the im2col
// call with its padding value (docs/arithmetic.md, "im2col").
#pragma once

#include "HalideBuffer.h"
#include "mobiq/kernel_registry.h"

namespace mobiq {

// One convolution's im2col: `channels` values per pixel (int8: the stored
// channels, a multiple of 4), a KH x KW window, strides, the top-left padding
// and the output size.
struct Im2colGeometry {
    int channels = 0, kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
    int out_w = 0, out_h = 0, n = 1;
    int k() const { return channels * kh * kw; }  // the GEMM's K before padding
    int m() const { return out_w * out_h * n; }
};

// im2col's output (C * KW, KH, OW, OH, N) over a (k_stride, M) operand: row m
// = the receptive field of output pixel m; columns from k() on are not written.
inline void im2col_output_dims(const Im2colGeometry &g, int k_stride, halide_dimension_t d[5]) {
    d[0] = {0, g.channels * g.kw, 1};
    d[1] = {0, g.kh, g.channels * g.kw};
    d[2] = {0, g.out_w, k_stride};
    d[3] = {0, g.out_h, k_stride * g.out_w};
    d[4] = {0, g.n, k_stride * g.out_w * g.out_h};
}

// The same as a host buffer over `lhs`'s memory (lhs: (k_stride, M)).
template <typename T>
Halide::Runtime::Buffer<T> im2col_output_view(Halide::Runtime::Buffer<T> &lhs, const Im2colGeometry &g) {
    halide_dimension_t d[5];
    im2col_output_dims(g, lhs.dim(0).extent(), d);
    return Halide::Runtime::Buffer<T>(lhs.data(), 5, d);
}

// im2col of `in` (the unpadded NHWC image as (C * W, H, N)) into `cols`
// (im2col_output_dims); outside the image: `pad_value` (the input zero point
// for int8, 0 for float).
inline int run_im2col(const Kernel<kernel_op::im2col> &im2col, const Im2colGeometry &g, int32_t pad_value,
                      halide_buffer_t *in, halide_buffer_t *cols) {
    return im2col(g.channels, g.stride_w, g.stride_h, g.pad_left, g.pad_top, pad_value, in, cols);
}

}  // namespace mobiq
