// CPU schedule of the implicit-GEMM convolutions (int8 and fp32), with the
// register block of the family's GEMM (common/cpu_gemm.h): `lanes * vectors`
// output channels x `rows` output pixels along x; the dot product of a block
// stays in registers over the whole receptive field. Output rows (oy) run in
// parallel; inside a row, x blocks outer, channel blocks inner, so the
// receptive-field rows of a pixel block stay in L1 while the weights of each
// channel block stream from L2.
#pragma once

#include "Halide.h"
#include "common/cpu_gemm.h"
#include "conv2d_implicit.h"

namespace mobiq {

namespace detail {

// The register blocks of the output; dot is computed per block (`block`).
// `width_blocks`: register blocks (vectors x pixels) used, first match first,
// where their pixel count divides the output width and blocks of `t.rows`
// would recompute more than 10 % of a row (ShiftInwards: 14 x 14 outputs in
// blocks of 6 computed 18 pixels per row; 56 x 56 computed 60 and 112 x 112
// 114, where the narrower width block measured slower).
// `two_rows` (int8, symmetric weights): blocks of two output rows x
// two_rows->rows pixels where t.rows does not divide the output width but
// two_rows->rows does and the output height is even (14 x 14 layers: blocks of 4
// pixels computed 16 per row; 2 x 2 pixels compute none twice, with the same
// accumulator count). Parallel over (pixel block, row pair), not rows alone (7
// row pairs split 4 / 3 over two threads).
inline void tile_conv2d_implicit_output(Conv2dImplicitStages &s, const CpuGemmTile &t,
                                        const std::vector<CpuGemmTile> &width_blocks,
                                        const CpuGemmTile *two_rows = nullptr) {
    using namespace Halide;
    Var block("block"), xb("xb"), ni("ni"), mi("mi");
    Func out = s.output;
    const int cols = t.lanes * t.vectors;
    // serial variants (the caller runs calls in parallel) leave out the parallel loop.
    auto rows_loop = [&](Stage st) {
        if (!s.serial) st.parallel(s.oy);
    };
    if (two_rows != nullptr && s.int8 && !s.row_sum.defined()) {
        const CpuGemmTile &w = *two_rows;
        Var yo("yo"), yi("yi"), task("task");
        Stage st = out.specialize(s.C_out >= w.lanes * w.vectors && s.OW % t.rows != 0 && s.OW % w.rows == 0 &&
                                  s.OH % 2 == 0)
                       .tile(s.co, s.ox, block, xb, ni, mi, w.lanes * w.vectors, w.rows, TailStrategy::ShiftInwards)
                       .split(s.oy, yo, yi, 2, TailStrategy::ShiftInwards)
                       .reorder(ni, mi, yi, block, xb, yo, s.n)
                       .vectorize(ni, w.lanes)
                       .unroll(ni)
                       .unroll(mi)
                       .unroll(yi);
        if (!s.serial) st.fuse(xb, yo, task).parallel(task);
    }
    Expr recomputed = (s.OW + t.rows - 1) / t.rows * t.rows - s.OW;
    for (const CpuGemmTile &w : width_blocks)
        rows_loop(out.specialize(s.C_out >= w.lanes * w.vectors && s.OW % w.rows == 0 && recomputed * 10 > s.OW)
                      .tile(s.co, s.ox, block, xb, ni, mi, w.lanes * w.vectors, w.rows, TailStrategy::ShiftInwards)
                      .reorder(ni, mi, block, xb, s.oy, s.n)
                      .vectorize(ni, w.lanes)
                      .unroll(ni)
                      .unroll(mi));
    rows_loop(out.specialize(s.C_out >= cols && s.OW >= t.rows)
                  .tile(s.co, s.ox, block, xb, ni, mi, cols, t.rows, TailStrategy::ShiftInwards)
                  .reorder(ni, mi, block, xb, s.oy, s.n)
                  .vectorize(ni, t.lanes)
                  .unroll(ni)
                  .unroll(mi));
    // Half as many channels (x86: 32, the MobileNet / EfficientNet stems):
    // half the vectors over twice the pixels, the same accumulator count;
    // these layers used to fall to one vector x one pixel (a single
    // accumulator's latency chain).
    if (t.vectors >= 2)
        rows_loop(out.specialize(s.C_out >= cols / 2 && s.OW >= 2 * t.rows)
                      .tile(s.co, s.ox, block, xb, ni, mi, cols / 2, 2 * t.rows, TailStrategy::ShiftInwards)
                      .reorder(ni, mi, block, xb, s.oy, s.n)
                      .vectorize(ni, t.lanes)
                      .unroll(ni)
                      .unroll(mi));
    rows_loop(out.specialize(s.C_out >= t.lanes)
                  .tile(s.co, s.ox, block, xb, ni, mi, t.lanes, 1, TailStrategy::ShiftInwards)
                  .vectorize(ni));
    out.tile(s.co, s.ox, block, xb, ni, mi, 1, 1);
    if (!s.serial) out.parallel(s.oy);

    s.dot.compute_at(out, block).vectorize(s.co, t.lanes, TailStrategy::GuardWithIf).unroll(s.ox);
}

inline void schedule_conv2d_implicit_side_stages(Conv2dImplicitStages &s, const CpuGemmTile &t) {
    using namespace Halide;
    if (s.column_term.defined()) s.column_term.compute_root().vectorize(s.co, t.lanes, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.co, t.lanes, TailStrategy::GuardWithIf);
    if (s.row_sum.defined()) {
        // Asymmetric weights: the per-pixel sum of the receptive field, 16
        // channels at a time (a vector reduction) where C allows, per output row.
        s.row_sum.compute_at(s.output, s.oy);
        RVar ro("ro"), ri("ri");
        s.row_sum.update()
            .specialize(s.row_r[0].extent() % 16 == 0)
            .split(s.row_r[0], ro, ri, 16)
            .atomic()
            .vectorize(ri);
    }
}

}  // namespace detail

inline void schedule_conv2d_implicit_cpu(Conv2dImplicitStages &s, const CpuGemmTile &t,
                                         const std::vector<CpuGemmTile> &width_blocks = {},
                                         const CpuGemmTile *two_rows = nullptr) {
    using namespace Halide;
    Var cv("cv");
    detail::tile_conv2d_implicit_output(s, t, width_blocks, two_rows);
    Stage update = s.dot.update().split(s.co, s.co, cv, t.lanes, TailStrategy::GuardWithIf);
    if (s.int8) {
        // oy: one row per block, two in the two_rows blocks.
        update.reorder(s.r[0], cv, s.co, s.ox, s.oy, s.r[1], s.r[2], s.r[3]).atomic().vectorize(s.r[0]).unroll(s.oy);
    } else {
        update.reorder(cv, s.co, s.ox, s.r[0], s.r[1], s.r[2]);
    }
    update.vectorize(cv).unroll(s.co).unroll(s.ox);
    // FP32 RGB stems (3 input channels): the channel loop unrolled, one
    // iteration per kernel column, not a 3-trip loop per column.
    if (!s.int8) update.specialize(s.r[0].extent() == 3).unroll(s.r[0]);
    detail::schedule_conv2d_implicit_side_stages(s, t);
}

// int8 with the 4-deep channel reduction in pairs (x86 without VNNI;
// common/cpu_gemm.h, schedule_int8_dot_in_pairs).
inline void schedule_conv2d_int8_implicit_cpu_pairs(Conv2dImplicitStages &s, const CpuGemmTile &t) {
    detail::tile_conv2d_implicit_output(s, t, {});
    schedule_int8_dot_in_pairs(s.dot, s.r[0], s.co, {s.ox}, {s.r[1], s.r[2], s.r[3]}, s.output, Halide::Var("block"),
                               t.lanes);
    detail::schedule_conv2d_implicit_side_stages(s, t);
}

// int8 weights7 (x86 without VNNI): the pair sums of common/cpu_gemm.h over
// the receptive field, one output row per block.
inline void schedule_conv2d_int8_implicit_cpu_weights7(Conv2dImplicitStages &s, const CpuGemmTile &t) {
    detail::tile_conv2d_implicit_output(s, t, {});
    schedule_int8_pair_sums(s.dot, s.r[0], s.co, {s.ox}, {s.r[1], s.r[2], s.r[3]}, s.pairs, t.lanes);
    detail::schedule_conv2d_implicit_side_stages(s, t);
}

}  // namespace mobiq
