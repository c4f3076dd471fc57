// OpenCL schedule of the implicit-GEMM convolutions, with the per-work-item
// tile and work-group of the family's GEMM (common/gpu_gemm.h): a work-item
// owns `vector` output channels x `rows` pixels along x; work-groups tile
// (channels, x), and output rows are the third grid dimension.
#pragma once

#include "Halide.h"
#include "common/gpu_gemm.h"
#include "conv2d_implicit.h"

namespace mobiq {

inline void schedule_conv2d_implicit_gpu(Conv2dImplicitStages &s, const GpuGemmTile &t) {
    using namespace Halide;
    Var cb("cb"), xb("xb"), ni("ni"), mi("mi"), bx("bx"), by("by"), tx("tx"), ty("ty");
    Func out = s.output;
    out.specialize(s.C_out >= t.vector * t.group_x && s.OW >= t.rows * t.group_y)
        .tile(s.co, s.ox, cb, xb, ni, mi, t.vector, t.rows, TailStrategy::ShiftInwards)
        .vectorize(ni)
        .unroll(mi)
        .gpu_tile(cb, xb, bx, by, tx, ty, t.group_x, t.group_y, TailStrategy::ShiftInwards)
        .gpu_blocks(s.oy);
    out.tile(s.co, s.ox, cb, xb, ni, mi, 1, 1)
        .gpu_tile(cb, xb, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf)
        .gpu_blocks(s.oy);
    s.dot.compute_at(out, tx).unroll(s.co).unroll(s.ox);
    if (s.int8) {
        s.dot.update().reorder(s.r[0], s.co, s.ox, s.r[1], s.r[2], s.r[3]).unroll(s.r[0]).unroll(s.co).unroll(s.ox);
    } else {
        s.dot.update().reorder(s.co, s.ox, s.r[0], s.r[1], s.r[2]).unroll(s.co).unroll(s.ox);
    }
    if (s.row_sum.defined()) {
        s.row_sum.compute_root().gpu_tile(s.ox, s.oy, bx, by, tx, ty, 16, 4, TailStrategy::GuardWithIf);
        s.row_sum.update().gpu_tile(s.ox, s.oy, bx, by, tx, ty, 16, 4, TailStrategy::GuardWithIf);
    }
}

}  // namespace mobiq
