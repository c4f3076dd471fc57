// Generic (desktop) OpenCL schedule of requantize: int4 per work-item, 16 x 8 groups.
#include "common/gpu_requantize.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::RequantizeStages &s, const Halide::Target &) { mobiq::schedule_requantize_gpu(s, 4, 16, 8); }

MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, "gpu", schedule);

}  // namespace
