// OpenCL schedule of im2col: one element per work-item, work-groups along the
// receptive-field row (coalesced reads and writes) and output columns; the
// kernel rows (ky) and output rows (oy) form the third grid dimension, so one
// launch covers the image (a host loop over them would launch KH x OH kernels).
#pragma once

#include "Halide.h"
#include "im2col.h"

namespace mobiq {

inline void schedule_im2col_gpu(Im2colStages &s, int group_x, int group_y) {
    using namespace Halide;
    Var bx("bx"), by("by"), tx("tx"), ty("ty"), row("row");
    s.output.reorder(s.j, s.ox, s.ky, s.oy, s.n)
        .fuse(s.ky, s.oy, row)
        .gpu_tile(s.j, s.ox, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf)
        .gpu_blocks(row);
}

}  // namespace mobiq
