// OpenCL schedules of the memory-bound kernels (element-wise, pooling):
// one output per work-item, work-groups along channels (coalesced).
#pragma once

#include "Halide.h"
#include "elementwise.h"
#include "pool2d.h"

namespace mobiq {

inline void schedule_elementwise_gpu(ElementwiseStages &s, int group_x, int group_y) {
    using namespace Halide;
    Var bx("bx"), by("by"), tx("tx"), ty("ty");
    s.output.gpu_tile(s.c, s.p, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf);
}

inline void schedule_pool_gpu(PoolStages &s, int group_x, int group_y) {
    using namespace Halide;
    Var bx("bx"), by("by"), tx("tx"), ty("ty");
    s.output.gpu_tile(s.c, s.ox, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf).gpu_blocks(s.oy);
}

}  // namespace mobiq
