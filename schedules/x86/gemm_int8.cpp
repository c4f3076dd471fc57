// x86 schedule of gemm_int8 (AVX-512 VNNI, with AVX2 / SSE fallbacks in the
// same multi-target library). vpdpbusd multiplies u8 x s8, so this family is
// built with unsigned_lhs=true (the generator shifts A by 128 and takes the
// shift back per column). 16 int32 lanes per zmm; a 4-row x 4-vector block
// keeps 16 accumulators + 4 rhs vectors + broadcasts in the 32 zmm registers.
// Without VNNI (AVX2, SSE4.1) the product is vpmaddwd on int16 pairs.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

// AMX (the amx variant, on its own Sapphire Rapids target): 16 x 16 int32
// accumulator tiles over K in steps of 64 (one tile row of K per tdpbssd);
// each tile copied to memory (tilestored) at a 16-row strip of the output,
// which the epilogue then requantizes with 16 lanes; strips in parallel.
// Halide accepts the tile only in this arrangement (docs/status.md, AMX).
void schedule_amx(mobiq::GemmInt8Stages &s) {
    using namespace Halide;
    Var mo("mo"), mi("mi"), tn("tn"), tm("tm"), in("in"), im("im");
    RVar ko("ko"), ki("ki");
    Func out = s.output;
    out.split(s.m, mo, mi, 16, TailStrategy::ShiftInwards).vectorize(s.n, 16);
    if (!s.serial) out.parallel(mo);
    s.dot_copy.compute_at(out, mo).tile(s.n, s.m, tn, tm, 16, 16).vectorize(tn).vectorize(tm);
    s.dot.compute_at(s.dot_copy, s.n).store_in(MemoryType::AMXTile).tile(s.n, s.m, in, im, 16, 16).vectorize(in).vectorize(im);
    s.dot.update()
        .tile(s.n, s.m, in, im, 16, 16, TailStrategy::GuardWithIf)
        .split(s.k.x, ko, ki, 64)
        .reorder(ki, in, im, ko, s.n, s.m)
        .atomic()
        .vectorize(ki)
        .vectorize(in)
        .vectorize(im);
    s.column_term.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
}

// amx_tiles: the extern core computes blocks of 32 rows x up to 256 columns
// (32 KiB of int32, in L1 when the epilogue reads it back with 16 lanes);
// strips of 32 rows in parallel. Few rows (ResNet50's layer3 and layer4: 196
// and 49 pixels) with many columns: strips would have every thread stream all
// of the weights (from L3 in layer4) and split 7 strips 4 : 3; instead blocks
// of 128 columns over all the rows go to the threads, each weight read once
// (so also under 32 rows).
void schedule_amx_tiles(mobiq::GemmInt8Stages &s) {
    using namespace Halide;
    Var mo("mo"), mi("mi"), no("no"), ni("ni");
    Func out = s.output;
    Stage few_rows = out.specialize(s.M < 32 || (s.M <= 256 && s.N >= 256));
    few_rows.split(s.m, mo, mi, s.M)
        .split(s.n, no, ni, min(s.N, 128), TailStrategy::ShiftInwards)
        .reorder(ni, mi, no, mo)
        .vectorize(ni, 16);
    if (!s.serial) few_rows.parallel(no);
    out.split(s.m, mo, mi, 32, TailStrategy::ShiftInwards)
        .split(s.n, no, ni, min(s.N, 256), TailStrategy::ShiftInwards)
        .reorder(ni, mi, no, mo)
        .vectorize(ni, 16);
    if (!s.serial) out.parallel(mo);
    s.dot.compute_at(out, no);
    s.column_term.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
}

// u8_weights: the extern core fills a block of 28 rows x up to 256 columns
// (28 KiB of int32, read back by the epilogue from L1; 256 divides N in these
// networks' many-row layers: a block that does not would recompute the
// overlap). Strips go to about 16 parallel tasks, each allocating the block's
// storage once (one allocation per 28-row strip, 112 per call at 56 x 56,
// measured bimodal: 0.19 or 0.28 ms on resnet50/l1_1x1_64to256, Zen 4).
// Few rows (M <= 256): blocks of 128 columns (64 where N is not a multiple
// of 128) over all the rows are the tasks, each weight read once. Inside a
// block the core runs 48 columns at a time and the rest as 32 or 16.
void schedule_u8_weights(mobiq::GemmInt8Stages &s) {
    using namespace Halide;
    // Loop names shared by both specializations: `nb` (the core's block) inside `task`.
    Var task("task"), block("block"), nb("nb"), mi("mi"), ni("ni");
    Func out = s.output;
    Stage few_rows = out.specialize(s.M <= 256);
    few_rows.split(s.m, block, mi, s.M)
        .split(s.n, task, ni, select(s.N % 128 == 0, 128, min(s.N, 64)), TailStrategy::ShiftInwards)
        .split(task, task, nb, 1)
        .reorder(ni, mi, nb, block, task)
        .vectorize(ni, 16);
    if (!s.serial) few_rows.parallel(task);
    Expr strips = (s.M + 27) / 28;
    out.split(s.m, block, mi, 28, TailStrategy::ShiftInwards)
        .split(s.n, nb, ni, min(s.N, 256), TailStrategy::ShiftInwards)
        .split(block, task, block, max(1, strips / 16), TailStrategy::GuardWithIf)
        .reorder(ni, mi, nb, block, task)
        .vectorize(ni, 16);
    if (!s.serial) out.parallel(task);
    s.dot.store_at(out, task).compute_at(out, nb);
    s.column_term.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.n, 16, TailStrategy::GuardWithIf);
}

void schedule(mobiq::GemmInt8Stages &s, const Halide::Target &t) {
    if (s.u8_weights) return schedule_u8_weights(s);
    if (s.amx_tiles) {
        schedule_amx_tiles(s);
        return;
    }
    if (s.amx) {
        schedule_amx(s);
        return;
    }
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    if (s.pairs.pair_sum.defined()) {
        // weights7 (no VNNI): pmaddubsw + pmaddwd + paddd per vector; 4 rows x
        // 2 vectors = 8 accumulators, 2 weight vectors, a broadcast, the ones
        // and the products in 16 ymm / xmm registers (4 x 2 measured 1.1x 3 x 2
        // and 1.3x 2 x 4 on Zen 3; 3 x 4 spills).
        mobiq::schedule_gemm_int8_cpu_weights7(s, {avx512 ? 16 : t.has_feature(Halide::Target::AVX2) ? 8 : 4, 2, 4});
        return;
    }
    const auto depth = Halide::Internal::as_const_int(s.k.x.extent());
    if (!avx512 && depth && *depth == 4) {
        // AVX2 / SSE4.1 (no VNNI): vpmaddwd on int16 pairs with the pair sums
        // kept apart (common/cpu_gemm.h): 16 columns x 3 rows = 12 ymm
        // accumulators (AVX2); 8 x 3 in SSE4.1's 16 xmm registers. gemm_int16,
        // 2-deep, fits vpmaddwd as it is (below).
        const bool avx2 = t.has_feature(Halide::Target::AVX2);
        mobiq::schedule_gemm_int8_cpu_pairs(s, {8, avx2 ? 2 : 1, 3});
        return;
    }
    mobiq::schedule_gemm_int8_cpu(s, {avx512 ? 16 : 8, 4, avx512 ? 4 : 3});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, "x86", schedule);

}  // namespace
