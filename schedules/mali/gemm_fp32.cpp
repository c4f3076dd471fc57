// Mali schedules of gemm_fp32, one family per GPU (g52.h, g72.h, g76.h).
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::GemmFp32Stages &s, const Halide::Target &) { mobiq::schedule_gemm_fp32_gpu(s, gpu.gemm_fp32); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
