// Generic (desktop) OpenCL schedule of gemm_fp32: 4 x 4 outputs per work-item
// (float4 along n), 16 x 8 work-items per group.
#include "common/gpu_gemm.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::GemmFp32Stages &s, const Halide::Target &) { mobiq::schedule_gemm_fp32_gpu(s, {4, 4, 16, 8}); }

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, "gpu", schedule);

}  // namespace
