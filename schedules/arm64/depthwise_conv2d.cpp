// arm64 schedule of the depthwise convolutions: 4-lane vectors, 4 vectors of
// channels x 4 pixels = 16 accumulators of the 32 NEON registers.
#include "common/cpu_depthwise.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::DepthwiseStages &s, const Halide::Target &) { mobiq::schedule_depthwise_cpu(s, 4, 4, 4); }

MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, "arm64", schedule);

}  // namespace
