// CPU schedules of the memory-bound kernels (element-wise, pooling): vectors
// along the dense channel dimension, rows in parallel.
#pragma once

#include "Halide.h"
#include "elementwise.h"
#include "pool2d.h"

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

}  // namespace mobiq
