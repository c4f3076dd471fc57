// OpenCL schedule of requantize: one vector of channels per work-item.
#pragma once

#include "Halide.h"
#include "requantize.h"

namespace mobiq {

inline void schedule_requantize_gpu(RequantizeStages &s, int vector, int group_x, int group_y) {
    using namespace Halide;
    Var co("co"), ci("ci"), bx("bx"), by("by"), tx("tx"), ty("ty");
    Expr C = s.output.output_buffer().dim(0).extent();
    Expr X = s.output.output_buffer().dim(1).extent();
    s.output.specialize(C >= vector * group_x && X >= group_y)
        .split(s.c, co, ci, vector, TailStrategy::ShiftInwards)
        .vectorize(ci)
        .gpu_tile(co, s.x, bx, by, tx, ty, group_x, group_y, TailStrategy::ShiftInwards);
    s.output.gpu_tile(s.c, s.x, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf);
}

}  // namespace mobiq
