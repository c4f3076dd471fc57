// OpenCL schedule of the depthwise convolutions: a work-item owns `vector`
// channels x `pixels` outputs along x; work-groups tile (channels, x), output
// rows are the third grid dimension.
#pragma once

#include "Halide.h"
#include "depthwise_conv2d.h"

namespace mobiq {

inline void schedule_depthwise_gpu(DepthwiseStages &s, int vector, int pixels, int group_x, int group_y) {
    using namespace Halide;
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), bx("bx"), by("by"), tx("tx"), ty("ty");
    s.output.specialize(s.channels >= vector * group_x && s.OW >= pixels * group_y)
        .tile(s.c, s.ox, co, xo, ci, xi, vector, pixels, TailStrategy::ShiftInwards)
        .vectorize(ci)
        .unroll(xi)
        .gpu_tile(co, xo, bx, by, tx, ty, group_x, group_y, TailStrategy::ShiftInwards)
        .gpu_blocks(s.oy);
    s.output.gpu_tile(s.c, s.ox, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf).gpu_blocks(s.oy);
}

}  // namespace mobiq
