// OpenCL GEMM schedules (generic GPU and Mali), parameterized by the per-thread
// register tile and the work-group shape; each family's file picks the numbers.
//
// Each work-item owns a (vector x rows) block of outputs whose accumulators
// stay in registers over all of K; no local memory is used (on Mali it is
// ordinary cached memory, and on desktop GPUs the L1 serves these small tiles).
// Output blocks of full size take the fast path; smaller outputs fall to one
// output per work-item.
#pragma once

#include "Halide.h"
#include "gemm_fp32.h"
#include "gemm_int8.h"
#include "winograd_tap_gemm.h"

namespace mobiq {

struct GpuGemmTile {
    int vector;   // outputs along n per work-item (an OpenCL vector)
    int rows;     // outputs along m per work-item
    int group_x;  // work-group size along n (in work-items)
    int group_y;  // work-group size along m
};

namespace detail {

// `batch` (a batched GEMM's outermost variable, e.g. the Winograd tap): the
// third dimension of work-groups.
template <typename Stages>
void tile_gemm_output_gpu(Stages &s, const GpuGemmTile &t, const Halide::Var *batch = nullptr) {
    using namespace Halide;
    Var no("no"), mo("mo"), ni("ni"), mi("mi"), bx("bx"), by("by"), tx("tx"), ty("ty");
    Func out = s.output;
    Stage fast = out.specialize(s.N >= t.vector * t.group_x && s.M >= t.rows * t.group_y)
                     .tile(s.n, s.m, no, mo, ni, mi, t.vector, t.rows, TailStrategy::ShiftInwards)
                     .vectorize(ni)
                     .unroll(mi)
                     .gpu_tile(no, mo, bx, by, tx, ty, t.group_x, t.group_y, TailStrategy::ShiftInwards);
    Stage slow = out.tile(s.n, s.m, no, mo, ni, mi, 1, 1).gpu_tile(no, mo, bx, by, tx, ty, 8, 8, TailStrategy::GuardWithIf);
    if (batch) {
        fast.gpu_blocks(*batch);
        slow.gpu_blocks(*batch);
    }
    s.dot.compute_at(out, tx).unroll(s.n).unroll(s.m);
}

}  // namespace detail

inline void schedule_gemm_int8_gpu(GemmInt8Stages &s, const GpuGemmTile &t) {
    using namespace Halide;
    detail::tile_gemm_output_gpu(s, t);
    s.dot.update().reorder(s.k.x, s.n, s.m, s.k.y).unroll(s.k.x).unroll(s.n).unroll(s.m);
    if (s.row_sum.defined()) {
        Var mo("mo"), mi("mi");
        s.row_sum.compute_root().gpu_tile(s.m, mo, mi, 64, TailStrategy::GuardWithIf);
        s.row_sum.update().gpu_tile(s.m, mo, mi, 64, TailStrategy::GuardWithIf);
    }
}

inline void schedule_gemm_fp32_gpu(GemmFp32Stages &s, const GpuGemmTile &t) {
    using namespace Halide;
    detail::tile_gemm_output_gpu(s, t);
    s.dot.update().reorder(s.n, s.m, s.k).unroll(s.n).unroll(s.m);
}

// Every Winograd tap's GEMM in one launch: the per-tap GEMM's tile, the taps
// as the third dimension of work-groups.
inline void schedule_winograd_tap_gemm_gpu(WinogradTapGemmStages &s, const GpuGemmTile &t) {
    using namespace Halide;
    detail::tile_gemm_output_gpu(s, t, &s.t);
    s.dot.update().reorder(s.k.x, s.n, s.m, s.k.y).unroll(s.k.x).unroll(s.n).unroll(s.m);
}

}  // namespace mobiq
