// arm64 schedule of gemm_fp32: 4 float lanes per NEON vector; 4 vectors x 6 rows
// = 24 fmla accumulators of the 32 registers, the rest for A broadcasts and B.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmFp32Stages &s, const Halide::Target &) { mobiq::schedule_gemm_fp32_cpu(s, {4, 4, 6}); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, "arm64", schedule);

}  // namespace
