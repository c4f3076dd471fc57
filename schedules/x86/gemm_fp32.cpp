// x86 schedule of gemm_fp32: 16 float lanes per zmm (8 per ymm), a block of
// 4 vectors x 6 rows: 24 FMA accumulators, enough independent FMAs to cover
// the FMA latency x throughput (4 cycles x 2 ports) with registers to spare.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

// avx512_core: the extern core fills a block of up to 64 columns x all the
// call's rows (M <= 256: a 14 x 14 or 7 x 7 layer's panel, at most 64 KiB) or
// 48 rows (12 KiB), which the epilogue reads back while it is in L1 / L2.
void schedule_avx512_core(mobiq::GemmFp32Stages &s) {
    using namespace Halide;
    Var no("no"), ni("ni"), mo("mo"), mi("mi");
    s.output.split(s.n, no, ni, min(s.N, 64), TailStrategy::ShiftInwards)
        .split(s.m, mo, mi, select(s.M <= 256, s.M, 48), TailStrategy::ShiftInwards)
        .reorder(ni, mi, mo, no)
        .vectorize(ni, 16);
    s.dot.compute_at(s.output, mo);
}

void schedule(mobiq::GemmFp32Stages &s, const Halide::Target &t) {
    if (s.avx512_core) return schedule_avx512_core(s);
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    mobiq::schedule_gemm_fp32_cpu(s, {avx512 ? 16 : 8, avx512 ? 4 : 2, avx512 ? 6 : 4});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, "x86", schedule);

}  // namespace
