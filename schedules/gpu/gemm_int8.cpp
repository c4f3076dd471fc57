// Generic (desktop) OpenCL schedule of gemm_int8: 4 x 4 outputs per work-item,
// 16 x 8 work-items per group (4 warps of 32 on NVIDIA).
#include "common/gpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmInt8Stages &s, const Halide::Target &) { mobiq::schedule_gemm_int8_gpu(s, {4, 4, 16, 8}); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, "gpu", schedule);

}  // namespace
