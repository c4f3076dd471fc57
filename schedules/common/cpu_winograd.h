// CPU schedules of the Winograd transforms: vectors along the dense channel
// dimension; per tile, the alpha x alpha taps (input) or m x m pixels
// (output) unrolled, the intermediate row / column sums in registers; rows of
// tiles in parallel. Both transforms are memory-bound: they touch each element
// once and do a few adds per element.
#pragma once

#include "Halide.h"
#include "winograd.h"

namespace mobiq {

inline void schedule_winograd_input_cpu(WinogradInputStages &s, int lanes) {
    using namespace Halide;
    Func out = s.output;
    out.bound(s.t, 0, s.alpha * s.alpha);
    Stage wide = out.specialize(s.C >= lanes)
                     .reorder(s.c, s.t, s.tx, s.ty, s.n)
                     .vectorize(s.c, lanes, TailStrategy::ShiftInwards)
                     .unroll(s.t);
    out.reorder(s.c, s.t, s.tx, s.ty, s.n).unroll(s.t);
    if (!s.serial) {
        wide.parallel(s.ty);
        out.parallel(s.ty);
    }
    s.rows.compute_at(out, s.tx).bound_extent(s.u, s.alpha).bound_extent(s.j, s.alpha).unroll(s.u).unroll(s.j);
    s.rows.specialize(s.C >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards);
}

inline void schedule_winograd_output_cpu(WinogradOutputStages &s, int lanes) {
    using namespace Halide;
    Func out = s.output;
    Var xo("xo"), xi("xi"), yo("yo"), yi("yi");
    out.split(s.x, xo, xi, s.m, TailStrategy::GuardWithIf)
        .split(s.y, yo, yi, s.m, TailStrategy::GuardWithIf)
        .reorder(s.c, xi, yi, xo, yo, s.n)
        .unroll(xi)
        .unroll(yi);
    if (!s.serial) out.parallel(yo);
    out.specialize(s.C >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards);
    s.tile.compute_at(out, xo).unroll(s.i).unroll(s.j);
    s.tile.specialize(s.C >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards);
    s.cols.compute_at(out, xo).unroll(s.i).unroll(s.v);
    s.cols.specialize(s.C >= lanes).vectorize(s.c, lanes, TailStrategy::ShiftInwards);
    if (s.channel_requant.defined()) s.channel_requant.compute_root();
}

}  // namespace mobiq
