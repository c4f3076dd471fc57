// OpenCL schedules of the Winograd transforms: a work-item owns `vector`
// channels of one tile (all its taps, or all its m x m outputs, unrolled, the
// intermediate sums in registers); work-groups tile (channels, tiles along x),
// rows of tiles are the third grid dimension.
#pragma once

#include "Halide.h"
#include "winograd.h"

namespace mobiq {

inline void schedule_winograd_input_gpu(WinogradInputStages &s, int vector, int group_x, int group_y) {
    using namespace Halide;
    Var co("co"), ci("ci"), bx("bx"), by("by"), tx("gx"), ty("gy");
    Func out = s.output;
    out.bound(s.t, 0, s.alpha * s.alpha);
    out.specialize(s.C >= vector * group_x)
        .reorder(s.t, s.c, s.tx, s.ty, s.n)
        .split(s.c, co, ci, vector, TailStrategy::ShiftInwards)
        .vectorize(ci)
        .unroll(s.t)
        .gpu_tile(co, s.tx, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf)
        .gpu_blocks(s.ty);
    out.reorder(s.t, s.c, s.tx, s.ty, s.n).unroll(s.t).gpu_tile(s.c, s.tx, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf).gpu_blocks(s.ty);
    s.rows.compute_at(out, tx).bound_extent(s.u, s.alpha).bound_extent(s.j, s.alpha).unroll(s.u).unroll(s.j);
}

inline void schedule_winograd_output_gpu(WinogradOutputStages &s, int vector, int group_x, int group_y) {
    using namespace Halide;
    Var co("co"), ci("ci"), xo("xo"), xi("xi"), yo("yo"), yi("yi"), bx("bx"), by("by"), tx("gx"), ty("gy");
    Func out = s.output;
    out.split(s.x, xo, xi, s.m, TailStrategy::GuardWithIf)
        .split(s.y, yo, yi, s.m, TailStrategy::GuardWithIf)
        .reorder(xi, yi, s.c, xo, yo, s.n);
    out.specialize(s.C >= vector * group_x)
        .split(s.c, co, ci, vector, TailStrategy::ShiftInwards)
        .vectorize(ci)
        .unroll(xi)
        .unroll(yi)
        .gpu_tile(co, xo, bx, by, tx, ty, group_x, group_y, TailStrategy::GuardWithIf)
        .gpu_blocks(yo);
    out.unroll(xi).unroll(yi).gpu_tile(s.c, xo, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf).gpu_blocks(yo);
    s.tile.compute_at(out, tx).unroll(s.i).unroll(s.j);
    s.cols.compute_at(out, tx).unroll(s.i).unroll(s.v);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().gpu_tile(s.c, co, ci, 64, TailStrategy::GuardWithIf);
}

}  // namespace mobiq
