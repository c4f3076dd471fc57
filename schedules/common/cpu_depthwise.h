// CPU schedule of the depthwise convolutions: vectors along channels (the
// dense NHWC dimension; two vectors of int32 / float accumulators per block),
// a few output pixels along x unrolled so that neighbouring taps are reused
// from registers, output rows in parallel. Weights (per channel, 9 taps) are
// prepared once per call.
#pragma once

#include "Halide.h"
#include "depthwise_conv2d.h"

namespace mobiq {

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
