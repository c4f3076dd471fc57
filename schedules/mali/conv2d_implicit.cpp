// Mali schedules of the implicit-GEMM convolutions: each GPU's GEMM tiles
// (g52.h, g72.h, g76.h), int8 or fp32.
#include "common/gpu_conv.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::Conv2dImplicitStages &s, const Halide::Target &) {
    mobiq::schedule_conv2d_implicit_gpu(s, s.int8 ? gpu.gemm_int8 : gpu.gemm_fp32);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
