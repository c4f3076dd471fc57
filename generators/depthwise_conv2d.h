// depthwise_conv2d_int8 / depthwise_conv2d_fp32: the Funcs and Vars their
// schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct DepthwiseStages {
    Halide::Func output;        // (c, ox, oy, n)
    Halide::Func weights;       // (c, kx, ky): int32 w - zw, int16 w (symmetric_weights=true) or the float weights
    Halide::Func column_term;   // (c): int8 only: bias - zx * sum (w - zw)
    Halide::Func channel_requant; // (c): int8: per-channel requantization constants (requantize_epilogue_i32), or undefined
    Halide::Var c, ox, oy, n;
    Halide::Expr channels, OW;  // output extents of c and ox (for specialize)
    Halide::Expr stride_x, stride_y;  // for specialize (loop partitioning solves bounds for a known stride)
    int kernel_size = 3;
    bool int8 = true;
    bool pads_input = false;    // the input's border is a boundary condition (loops to partition)
};

}  // namespace mobiq
