// OpenCL schedule of im2col: one element per work-item, work-groups along the
// receptive-field row (coalesced reads and writes) and output columns.
#pragma once

#include "Halide.h"
#include "im2col.h"

namespace mobiq {

inline void schedule_im2col_gpu(Im2colStages &s, int group_x, int group_y) {
    using namespace Halide;
    Var bx("bx"), by("by"), tx("tx"), ty("ty");
    s.output.gpu_tile(s.j, s.ox, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf);
}

}  // namespace mobiq
