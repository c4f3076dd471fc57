// Mali schedules of gemm_int8, one family per GPU (g52.h, g72.h, g76.h say what
// each assumes). The dot product is written as a plain widening multiply-add:
// Halide's OpenCL backend does not emit arm_dot (docs/mali.md).
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::GemmInt8Stages &s, const Halide::Target &) { mobiq::schedule_gemm_int8_gpu(s, gpu.gemm_int8); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
