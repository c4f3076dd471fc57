// Mali schedules of im2col: work-groups of a multiple of the warp width along
// the contiguous row (g52.h, g72.h, g76.h: warp 8, 4, 8).
#include "common/gpu_im2col.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::Im2colStages &s, const Halide::Target &) {
    mobiq::schedule_im2col_gpu(s, gpu.gemm_int8.group_x * 2, gpu.gemm_int8.group_y);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
