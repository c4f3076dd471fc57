// Mali schedules of requantize, one family per GPU (g52.h, g72.h, g76.h).
// Fixed-point on every GPU: the 32x32 high multiply becomes 64-bit arithmetic
// in OpenCL C, emulated on Mali, but requantize does one of those per output
// against K MACs per output in the GEMM, so exactness costs little (docs/arithmetic.md).
#include "common/gpu_requantize.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void schedule(mobiq::RequantizeStages &s, const Halide::Target &) {
    mobiq::schedule_requantize_gpu(s, gpu.requantize_vector, gpu.requantize_group_x, gpu.requantize_group_y);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, mobiq::kMaliG52.family, schedule<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, mobiq::kMaliG72.family, schedule<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, mobiq::kMaliG76.family, schedule<mobiq::kMaliG76>);

}  // namespace
