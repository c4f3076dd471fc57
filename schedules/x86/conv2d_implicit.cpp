// x86 schedule of the implicit-GEMM convolutions: the register blocks of the
// x86 GEMM schedules (gemm_int8.cpp, gemm_fp32.cpp say why those sizes).
#include "common/cpu_conv.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Conv2dImplicitStages &s, const Halide::Target &t) {
    const bool avx512 = t.has_feature(Halide::Target::AVX512);
    if (s.int8 && !avx512) {
        // No VNNI: vpmaddwd pairs kept apart (x86/gemm_int8.cpp says why).
        mobiq::schedule_conv2d_int8_implicit_cpu_pairs(s, {8, t.has_feature(Halide::Target::AVX2) ? 2 : 1, 3});
    } else if (s.int8) {
        mobiq::schedule_conv2d_implicit_cpu(s, {avx512 ? 16 : 8, 4, avx512 ? 4 : 3});
    } else {
        mobiq::schedule_conv2d_implicit_cpu(s, {avx512 ? 16 : 8, avx512 ? 4 : 2, avx512 ? 6 : 4});
    }
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, "x86", schedule);

}  // namespace
