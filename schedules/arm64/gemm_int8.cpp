// arm64 schedule of gemm_int8 (NEON + arm_dot_prod: sdot is s8 x s8, so this
// family is built with unsigned_lhs=false). 4 int32 lanes per 128-bit vector; a
// block of 4 vectors x 6 rows holds 24 accumulators in the 32 NEON registers.
#include "common/cpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmInt8Stages &s, const Halide::Target &) { mobiq::schedule_gemm_int8_cpu(s, {4, 4, 6}); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, "arm64", schedule);

}  // namespace
