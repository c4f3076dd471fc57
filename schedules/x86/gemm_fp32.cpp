// x86 schedule of gemm_fp32: 16 float lanes per zmm (8 per ymm), a block of
// 4 vectors x 6 rows: 24 FMA accumulators, enough independent FMAs to cover
// the FMA latency x throughput (4 cycles x 2 ports) with registers to spare.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmFp32Stages &s, const Halide::Target &t) {
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    mobiq::schedule_gemm_fp32_cpu(s, {avx512 ? 16 : 8, avx512 ? 4 : 2, avx512 ? 6 : 4});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, "x86", schedule);

}  // namespace
