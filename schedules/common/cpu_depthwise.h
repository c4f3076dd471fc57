// CPU schedule of the depthwise convolutions: vectors along channels (the
// dense NHWC dimension; two vectors of int32 / float accumulators per block),
// a few output pixels along x unrolled so that neighbouring taps are reused
// from registers, output rows in parallel. Weights (per channel, 9 taps) are
// prepared once per call.
#pragma once

#include "Halide.h"
#include "depthwise_conv2d.h"

namespace mobiq {

// 3x3 (FP32; INT8 on x86): `vectors` vectors of channels swept along an output row, one
// pixel per iteration. The channel block is outside the sweep, so its 9 x
// `vectors` weight vectors stay in registers, and a pixel's 9 taps are 9
// input pointers that advance together. The block-of-pixels schedule below
// reloaded the weights and spilled its 36 input pointers (docs/runtime.md
// "Depthwise"). Specializations added before that schedule's take precedence.
inline void schedule_depthwise_cpu_row_sweep(DepthwiseStages &s, int lanes, int vectors) {
    using namespace Halide;
    Var co("co"), ci("ci");
    const int block = lanes * vectors;
    auto sweep = [&](Stage st) {
        st.split(s.c, co, ci, block, TailStrategy::ShiftInwards)
            .reorder(ci, s.ox, co, s.oy, s.n)
            .vectorize(ci, lanes)
            .unroll(ci)
            .parallel(s.oy);
        return st;
    };
    // Padding inside the kernel: loop partitioning takes the left and right
    // border columns out of the row's loop (bounds solved for a known stride).
    if (s.pads_input)
        for (int stride : {1, 2})
            sweep(s.output.specialize(s.stride_x == stride && s.stride_y == stride && s.channels >= block))
                .partition(s.ox, Partition::Always);
    sweep(s.output.specialize(s.channels >= block));
}

inline void schedule_depthwise_cpu(DepthwiseStages &s, int lanes, int vectors, int pixels) {
    using namespace Halide;
    Var co("co"), ci("ci"), xo("xo"), xi("xi");
    const int block = lanes * vectors;
    s.output.specialize(s.channels >= block && s.OW >= pixels)
        .tile(s.c, s.ox, co, xo, ci, xi, block, pixels, TailStrategy::ShiftInwards)
        .reorder(ci, xi, co, xo, s.oy, s.n)
        .vectorize(ci, lanes)
        .unroll(ci)
        .unroll(xi)
        .parallel(s.oy);
    s.output.specialize(s.channels >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards).parallel(s.oy);
    s.output.parallel(s.oy);
    s.weights.compute_root();
    if (s.column_term.defined()) s.column_term.compute_root();
    if (s.channel_requant.defined()) s.channel_requant.compute_root();
}

}  // namespace mobiq
