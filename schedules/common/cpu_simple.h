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
