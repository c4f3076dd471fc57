// x86 schedule of the implicit-GEMM convolutions: the register blocks of the
// x86 GEMM schedules (gemm_int8.cpp, gemm_fp32.cpp say why those sizes).
#include "common/cpu_conv.h"
#include "schedule_registry.h"

namespace {

// amx_tiles: the extern core computes a strip of output rows of up to 128
// channels per call (rows r with (r - 1) * pitch + OW of about 96 pixels: three
// 32-row tile blocks, 48 KiB of int32 at 128 channels, in L2 for the
// epilogue); strips x channel blocks in parallel.
void schedule_amx_tiles(mobiq::Conv2dImplicitStages &s) {
    using namespace Halide;
    Var yo("yo"), yi("yi"), no("no"), ni("ni"), task("task");
    Func out = s.output;
    Expr rows = max(1, min(s.OH, 96 / s.pixel_pitch));
    out.split(s.oy, yo, yi, rows, TailStrategy::ShiftInwards)
        .split(s.co, no, ni, min(s.C_out, 128), TailStrategy::ShiftInwards)
        .reorder(ni, s.ox, yi, no, yo, s.n)
        .vectorize(ni, 16)
        .fuse(no, yo, task)
        .parallel(task);
    s.amx_dot.compute_at(out, task);
    s.column_term.compute_root().vectorize(s.co, 16, TailStrategy::GuardWithIf);
    if (s.channel_requant.defined()) s.channel_requant.compute_root().vectorize(s.co, 16, TailStrategy::GuardWithIf);
}

void schedule(mobiq::Conv2dImplicitStages &s, const Halide::Target &t) {
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    if (s.amx_tiles) return schedule_amx_tiles(s);
    if (s.pairs.pair_sum.defined()) {
        // weights7 (no VNNI): the GEMM's 4 x 2 block (x86/gemm_int8.cpp says why).
        return mobiq::schedule_conv2d_int8_implicit_cpu_weights7(
            s, {avx512 ? 16 : t.has_feature(Halide::Target::AVX2) ? 8 : 4, 2, 4});
    }
    if (s.int8 && !avx512) {
        // No VNNI: vpmaddwd pairs kept apart (x86/gemm_int8.cpp says why).
        return mobiq::schedule_conv2d_int8_implicit_cpu_pairs(s, {8, t.has_feature(Halide::Target::AVX2) ? 2 : 1, 3});
    }
    if (s.int8 && avx512) {
        // 14 x 14 outputs in blocks of 2 x 2 pixels (common/cpu_conv.h).
        const mobiq::CpuGemmTile two_rows{16, 4, 2};
        return mobiq::schedule_conv2d_implicit_cpu(s, {16, 4, 4}, {}, &two_rows);
    }
    if (s.int8) return mobiq::schedule_conv2d_implicit_cpu(s, {8, 4, 3});
    // FP32, AVX-512: 7-pixel blocks of 2 vectors where 7 divides the output
    // width and the main block would recompute over 10 % of a row (14 x 14
    // and 7 x 7 layers; common/cpu_conv.h). 7 x 4 vectors spilled (28
    // accumulators, 4 weight vectors and a broadcast need 33 registers); 14 x 2
    // streamed a 14-pixel receptive field past L1 at K = 1024 and measured no
    // better. INT8 (VNNI) with the same 7 x 2 blocks was 1.14x slower on
    // MobileNet-v1's 14 x 14 layers than its 4 x 4 blocks with recomputed pixels.
    std::vector<mobiq::CpuGemmTile> width_blocks;
    if (avx512) width_blocks = {{16, 2, 7}};
    mobiq::schedule_conv2d_implicit_cpu(s, {avx512 ? 16 : 8, avx512 ? 4 : 2, avx512 ? 6 : 4}, width_blocks);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, "x86", schedule);

}  // namespace
