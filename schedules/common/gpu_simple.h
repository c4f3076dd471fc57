// OpenCL schedules of the memory-bound kernels (element-wise, pooling):
// one output per work-item, work-groups along channels (coalesced).
#pragma once

#include "Halide.h"
#include "elementwise.h"
#include "pool2d.h"
#include "softmax.h"

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

// Softmax: one work-group per column; the column's max and sum are computed
// once per work-group (in registers of each work-item, serially over k: the
// one softmax of a classifier has a single column of ~1000).
inline void schedule_softmax_gpu(SoftmaxStages &s, int group) {
    using namespace Halide;
    Var ko("ko"), ki("ki");
    s.output.split(s.k, ko, ki, group, TailStrategy::GuardWithIf).reorder(ki, ko, s.n).gpu_blocks(s.n).gpu_threads(ki);
    s.max.compute_at(s.output, ki);
    s.sum.compute_at(s.output, ki);
}

}  // namespace mobiq
