// x86 schedule of gemm_int8 (AVX-512 VNNI, with AVX2 / SSE fallbacks in the
// same multi-target library). vpdpbusd multiplies u8 x s8, so this family is
// built with unsigned_lhs=true (the generator shifts A by 128 and takes the
// shift back per column). 16 int32 lanes per zmm; a 4-row x 4-vector block
// keeps 16 accumulators + 4 rhs vectors + broadcasts in the 32 zmm registers.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmInt8Stages &s, const Halide::Target &t) {
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    mobiq::schedule_gemm_int8_cpu(s, {avx512 ? 16 : 8, 4, avx512 ? 4 : 3});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, "x86", schedule);

}  // namespace
