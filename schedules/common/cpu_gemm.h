// CPU (x86 and arm64) GEMM schedules, parameterized by the vector width and the
// register tile of the target; each family's file picks the numbers and says why.
//
// The output is tiled in register blocks of (vectors * lanes) columns x rows;
// the dot product of a block lives in registers (compute_at the block) and
// sweeps all of K. Blocks of one row strip share the rows of A (L1-resident),
// strips run in parallel. Small outputs (fewer columns than a block or fewer
// rows) fall to narrower specializations so that any shape works.
#pragma once

#include "Halide.h"
#include "gemm_fp32.h"
#include "gemm_int8.h"

namespace mobiq {

struct CpuGemmTile {
    int lanes;    // int32 / float lanes in one vector register
    int vectors;  // vectors per register block along n
    int rows;     // rows (m) per register block
};

namespace detail {

// Applies the register-block tiling of `out`, specialized by size; `dot` is
// computed per block. Returns nothing: the stages are scheduled in place.
template <typename Stages>
void tile_gemm_output(Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    // Loop names shared by every specialization, so the producers can be
    // placed once: `block` is the innermost loop over register blocks (dot
    // lives there), `task` the parallel loop (row sums live there).
    Var block("block"), task("task"), nb("nb"), mb("mb"), ni("ni"), mi("mi");
    Func out = s.output;
    const int cols = t.lanes * t.vectors;
    // serial variants (the caller runs calls in parallel) leave out the parallel loop.
    auto par = [&](Stage st, const VarOrRVar &v) {
        if (!s.serial) st.parallel(v);
    };
    // Full register blocks; ShiftInwards recomputes a few overlapping outputs
    // at the edges. A task takes a run of row strips (about 16 tasks per call:
    // enough to balance threads, few enough that the task overhead is small
    // next to a strip of a K = 64 layer); inside it, each column block of B is
    // swept over the task's strips while it is hot in cache.
    Expr strips = (s.M + t.rows - 1) / t.rows;
    // Few rows (M <= 256: the 14 x 14 and 7 x 7 layers): the weights (B) are
    // the big operand, so each task takes one column block and sweeps every
    // row strip over it while it is in cache: B is read from memory once. With
    // tasks over row strips instead, every task streamed all of B (M = 49:
    // 9 times), which layer benchmarks hide (B stays in L3 between their runs)
    // and whole networks do not.
    Stage few_rows = out.specialize(s.N >= cols * 4 && s.M >= t.rows && s.M <= 256)
        .tile(s.n, s.m, task, block, ni, mi, cols, t.rows, TailStrategy::ShiftInwards)
        .reorder(ni, mi, block, task)
        .vectorize(ni, t.lanes)
        .unroll(ni)
        .unroll(mi);
    par(few_rows, task);
    Stage strips_block = out.specialize(s.N >= cols && s.M >= t.rows)
        .tile(s.n, s.m, nb, mb, ni, mi, cols, t.rows, TailStrategy::ShiftInwards)
        .split(mb, task, block, max(1, strips / 16), TailStrategy::GuardWithIf)
        .reorder(ni, mi, block, nb, task)
        .vectorize(ni, t.lanes)
        .unroll(ni)
        .unroll(mi);
    par(strips_block, task);
    // Matrix-vector (fully connected layers, M < rows): chunks of 256 columns
    // in parallel; each sweeps all of K with 256 / lanes accumulators while
    // streaming its contiguous slice of every packed weight row.
    par(out.specialize(s.M < t.rows && s.N >= 256)
            .tile(s.n, s.m, block, task, ni, mi, 256, 1, TailStrategy::ShiftInwards)
            .vectorize(ni, t.lanes),
        block);
    // One vector wide.
    par(out.specialize(s.N >= t.lanes).tile(s.n, s.m, block, task, ni, mi, t.lanes, 1, TailStrategy::ShiftInwards).vectorize(ni),
        task);
    // Narrower than a vector: scalar columns.
    out.tile(s.n, s.m, block, task, ni, mi, 1, 1);
    if (!s.serial) out.parallel(task);

    s.dot.compute_at(out, block).vectorize(s.n, t.lanes, TailStrategy::GuardWithIf).unroll(s.m);
}

// The per-column terms, requantization constants and (asymmetric weights)
// row sums of A, 16 k at a time where K allows.
inline void schedule_gemm_int8_side_stages(GemmInt8Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    s.column_term.compute_root().vectorize(s.n, t.lanes, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.n, t.lanes, TailStrategy::GuardWithIf);
    if (s.row_sum.defined()) {
        s.row_sum.compute_at(s.output, Halide::Var("task"));
        RVar ko("ko"), ki("ki");
        s.row_sum.update().specialize(s.row_k.x.extent() % 16 == 0).split(s.row_k.x, ko, ki, 16).atomic().vectorize(ki);
        if (s.row_sum_lanes.defined()) {
            // 16 lanes of 4-k dot products against ones, 4 rows at once (four
            // independent accumulator chains), every row of the task's.
            Halide::Var mo("mo"), mi("mi");
            s.row_sum_lanes.compute_at(s.output, Halide::Var("task")).vectorize(s.lane);
            s.row_sum_lanes.update()
                .split(s.m, mo, mi, 4, TailStrategy::GuardWithIf)
                .reorder(s.row_lane_k.x, s.lane, mi, s.row_lane_k.y, mo)
                .atomic()
                .vectorize(s.row_lane_k.x)
                .vectorize(s.lane)
                .unroll(mi);
        }
    }
}

}  // namespace detail

inline void schedule_gemm_int8_cpu(GemmInt8Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    detail::tile_gemm_output(s, t);
    // Inner loop: 4 k of one row (one 32-bit broadcast) against 4 k x lanes
    // columns: the 4-deep int8 dot-product instruction (vpdpbusd / sdot).
    RVar kk = s.k.x, kg = s.k.y;
    Var nv("nv");
    s.dot.update()
        .split(s.n, s.n, nv, t.lanes, TailStrategy::GuardWithIf)
        .reorder(kk, nv, s.n, s.m, kg)
        .atomic()
        .vectorize(kk)
        .vectorize(nv)
        .unroll(s.n)
        .unroll(s.m);
    detail::schedule_gemm_int8_side_stages(s, t);
}

// The reduction of a 4-deep int8 dot product on a CPU whose exact int8 product
// is 2-deep (x86 without VNNI: vpmaddwd on int16 pairs). Reduced straight into
// lanes of `lane_var`, each pair of vpmaddwd needs lane shuffles (vshufps +
// vpermpd) to add its two pair sums; instead the two pair sums of each lane
// stay apart (rfactor over the pair: int32 lanes (pair, 4 x lane_var)), every
// vpmaddwd adds into its accumulator as it is, and the pairs are added once
// per register block after the reduction (`dot`'s update, vectorized over
// `lane_var` by `lanes`). `unrolled` are the block's other pure vars (unrolled),
// `outer` the reduction variables outside the 4-deep one, outermost last.
// Returns the intermediate, computed at `at`.
inline Halide::Func schedule_int8_dot_in_pairs(Halide::Func dot, const Halide::RVar &depth4, const Halide::Var &lane_var,
                                               const std::vector<Halide::Var> &unrolled,
                                               const std::vector<Halide::RVar> &outer, const Halide::Func &at,
                                               const Halide::Var &at_var, int lanes) {
    using namespace Halide;
    RVar kp("kp"), ki("ki");
    Var p("p"), no("no"), nv("nv");
    Func pairs = dot.update().split(depth4, kp, ki, 2).rfactor(kp, p);
    std::vector<Var> storage{p, lane_var};
    for (const Var &v : unrolled) storage.push_back(v);
    std::vector<VarOrRVar> pure_order{p, nv, no}, update_order{ki, p, nv, no};
    for (const Var &v : unrolled) pure_order.push_back(v), update_order.push_back(v);
    for (const RVar &r : outer) update_order.push_back(r);
    pairs.compute_at(at, at_var).reorder_storage(storage);
    pairs.split(lane_var, no, nv, 4, TailStrategy::GuardWithIf).reorder(pure_order).vectorize(p).vectorize(nv).unroll(no);
    Stage u = pairs.update().split(lane_var, no, nv, 4, TailStrategy::GuardWithIf).reorder(update_order);
    u.atomic().vectorize(ki).vectorize(p).vectorize(nv).unroll(no);
    for (const Var &v : unrolled) pairs.unroll(v), u.unroll(v);
    Stage d = dot.update().vectorize(lane_var, lanes, TailStrategy::GuardWithIf);
    for (const Var &v : unrolled) d.unroll(v);
    return pairs;
}

// gemm_int8 with the 4-deep reduction in pairs (above): the register block of
// `t` must hold 2 x its int32 lanes in accumulators.
inline void schedule_gemm_int8_cpu_pairs(GemmInt8Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    detail::tile_gemm_output(s, t);
    schedule_int8_dot_in_pairs(s.dot, s.k.x, s.n, {s.m}, {s.k.y}, s.output, Var("block"), t.lanes);
    detail::schedule_gemm_int8_side_stages(s, t);
}

// The weights7 reduction (generators/int8_pair_sums.h): for each group of 4 k,
// every register block's row broadcasts its 4 bytes against lanes x 4 bytes
// of packed weights: one pmaddubsw per vector gives the int16 pair sums in
// (pair, column) lanes, which the dot's update adds into int32 columns (one
// pmaddwd by ones) and its accumulators (one paddd). `dot`'s update runs
// (pair, lane | vector, `unrolled` | `outer`); the pair sums live per vector.
inline void schedule_int8_pair_sums(Halide::Func dot, const Halide::RVar &pair, const Halide::Var &col,
                                    const std::vector<Halide::Var> &unrolled, const std::vector<Halide::RVar> &outer,
                                    const Int8PairSums &p, int lanes) {
    using namespace Halide;
    Var cv("cv");
    std::vector<VarOrRVar> order{pair, cv, col};
    for (const Var &v : unrolled) order.push_back(v);
    for (const RVar &r : outer) order.push_back(r);
    Stage d = dot.update().split(col, col, cv, lanes, TailStrategy::GuardWithIf).reorder(order).atomic(true);
    d.vectorize(pair).vectorize(cv).unroll(col);
    for (const Var &v : unrolled) d.unroll(v);
    Func ps = p.pair_sum;
    ps.compute_at(dot, col).reorder_storage(p.j, col).reorder(p.j, col).vectorize(p.j).vectorize(col);
    ps.update().reorder(p.pair.x, p.j, col).atomic(true).vectorize(p.pair.x).vectorize(p.j).vectorize(col);
}

// gemm_int8 weights7 (x86 without VNNI): the register block of `t` (rows x
// vectors of int32 lanes) over the pair sums above.
inline void schedule_gemm_int8_cpu_weights7(GemmInt8Stages &s, const CpuGemmTile &t) {
    detail::tile_gemm_output(s, t);
    schedule_int8_pair_sums(s.dot, s.k.x, s.n, {s.m}, {s.k.y}, s.pairs, t.lanes);
    detail::schedule_gemm_int8_side_stages(s, t);
}

namespace detail {

// gemm_fp32 k_block > 0, one serial call per 64-column panel of B with few
// rows and a deep K (ResNet50's layer4: M = 49, K = 4608, a 1.2 MB panel).
// Sweeping all of K per register block streams the panel through L2 once per
// row strip, next to the rows of A. Here K runs in chunks of k_block: the
// chunk of the panel (k_block x 64 floats) stays in L1 while every row strip
// multiplies it, and the M x N sums wait in memory between chunks (`dot`,
// one call's, at the root). The chunk's register block is `part` (rfactor over
// the chunks). Specialized for N == one register block's columns (the
// panels); other widths are correct, unrolled less.
inline void schedule_gemm_fp32_k_blocked(GemmFp32Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    const int cols = t.lanes * t.vectors;
    Var u("u"), mo("mo"), mi("mi"), nb("nb"), nv("nv");
    RVar ko("ko"), ki("ki");
    Func part = s.dot.update().split(s.k.x, ko, ki, s.k_block, TailStrategy::GuardWithIf).rfactor(ko, u);
    s.output.split(s.n, nb, nv, t.lanes, TailStrategy::GuardWithIf).vectorize(nv);
    s.dot.compute_root().vectorize(s.n, t.lanes, TailStrategy::GuardWithIf);
    Stage sums = s.dot.update();
    sums.specialize(s.N == cols)
        .split(s.m, mo, mi, t.rows, TailStrategy::GuardWithIf)
        .split(s.n, nb, nv, t.lanes)
        .reorder(nv, nb, mi, mo, ko)
        .vectorize(nv)
        .unroll(nb)
        .unroll(mi);
    sums.split(s.m, mo, mi, t.rows, TailStrategy::GuardWithIf)
        .split(s.n, nb, nv, t.lanes, TailStrategy::GuardWithIf)
        .reorder(nv, nb, mi, mo, ko)
        .vectorize(nv);
    part.compute_at(s.dot, mo);
    part.specialize(s.N == cols).vectorize(s.n, t.lanes).unroll(s.n).unroll(s.m);
    part.vectorize(s.n, t.lanes, TailStrategy::GuardWithIf);
    Stage chunk = part.update();
    chunk.specialize(s.N == cols).split(s.n, nb, nv, t.lanes).reorder(nv, nb, s.m, ki).vectorize(nv).unroll(nb).unroll(s.m);
    chunk.split(s.n, nb, nv, t.lanes, TailStrategy::GuardWithIf).reorder(nv, nb, s.m, ki).vectorize(nv);
}

}  // namespace detail

inline void schedule_gemm_fp32_cpu(GemmFp32Stages &s, const CpuGemmTile &t) {
    using namespace Halide;
    if (s.k_block > 0) return detail::schedule_gemm_fp32_k_blocked(s, t);
    detail::tile_gemm_output(s, t);
    Var nv("nv");
    s.dot.update()
        .split(s.n, s.n, nv, t.lanes, TailStrategy::GuardWithIf)
        .reorder(nv, s.n, s.m, s.k)
        .vectorize(nv)
        .unroll(s.n)
        .unroll(s.m);
}

}  // namespace mobiq
