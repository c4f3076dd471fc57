// Mali schedules of the depthwise convolutions: 128-bit vectors of 4 channels,
// 4 pixels per work-item along x (neighbouring taps reused from registers),
// work-groups of each GPU's GEMM shape (g52.h, g72.h, g76.h).
#include "common/gpu_depthwise.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::DepthwiseStages &s, const Halide::Target &) {
    mobiq::schedule_depthwise_gpu(s, 4, 4, gpu.gemm_int8.group_x, gpu.gemm_int8.group_y);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
