// Generic OpenCL schedule of the depthwise convolutions: 4 channels x 2 pixels
// per work-item, 16 x 8 work-groups.
#include "common/gpu_depthwise.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::DepthwiseStages &s, const Halide::Target &) { mobiq::schedule_depthwise_gpu(s, 4, 2, 16, 8); }

MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, "gpu", schedule);

}  // namespace
