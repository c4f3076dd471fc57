// CPU schedules of the memory-bound kernels (element-wise, pooling): vectors
// along the dense channel dimension, rows in parallel.
#pragma once

#include "Halide.h"
#include "elementwise.h"
#include "pool2d.h"
#include "softmax.h"

namespace mobiq {

inline void schedule_elementwise_cpu(ElementwiseStages &s, int vector_bytes) {
    using namespace Halide;
    const int lanes = vector_bytes / s.element_bytes;
    Var po("po"), pi("pi");
    s.output.specialize(s.channels >= lanes)
        .vectorize(s.c, lanes, TailStrategy::ShiftInwards)
        .split(s.p, po, pi, 64, TailStrategy::GuardWithIf)
        .parallel(po);
    s.output.split(s.p, po, pi, 64, TailStrategy::GuardWithIf).parallel(po);
}

// quantize_to_nhwc: RGB into 4 stored channels, pixels 4 bytes apart (the
// networks' inputs): the channels unrolled inside a vector of pixels, so that
// the four strided stores interleave into whole vectors (with the stride
// unknown, each byte was stored alone: 96 vpextrb per 16 pixels); rows in
// parallel.
inline void schedule_quantize_to_nhwc_cpu(QuantizeToNhwcStages &s, int vector_bytes) {
    using namespace Halide;
    const int pixels = vector_bytes / 4;
    Var xo("xo"), xi("xi");
    s.output.specialize(s.channels == 4 && s.in_channels == 3 && s.pixel_stride == 4 && s.width >= pixels)
        .split(s.x, xo, xi, pixels, TailStrategy::ShiftInwards)
        .reorder(s.c, xi, xo, s.y, s.n)
        .unroll(s.c)
        .vectorize(xi)
        .parallel(s.y);
    s.output.parallel(s.y);
}

inline void schedule_pool_cpu(PoolStages &s, int vector_bytes) {
    using namespace Halide;
    const int lanes = vector_bytes / s.element_bytes;
    s.output.specialize(s.channels >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards).parallel(s.oy);
    s.output.parallel(s.oy);
}

// Softmax: per column, the max and the sum of exponentials over the dense
// dimension (vectorized reductions), then the output vectorized.
inline void schedule_softmax_cpu(SoftmaxStages &s, int lanes) {
    using namespace Halide;
    s.output.vectorize(s.k, lanes, TailStrategy::GuardWithIf).parallel(s.n);
    s.max.compute_at(s.output, s.n);
    s.sum.compute_at(s.output, s.n);
}

}  // namespace mobiq
