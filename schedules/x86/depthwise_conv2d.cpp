// x86 schedule of the depthwise convolutions: 16-lane int32 / float vectors,
// 2 vectors of channels x 4 pixels = 8 accumulators (AVX-512); AVX2: 8 lanes;
// 3x3 (FP32 and INT8): the row sweep (schedules/common/cpu_depthwise.h;
// INT8 depthwise 0.426 -> 0.401 ms on MobileNet-v1, Zen 4:
// docs/results/int8_depthwise_row_sweep_x86_zen4_2026-12-07.md).
#include "common/cpu_depthwise.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::DepthwiseStages &s, const Halide::Target &t) {
    const int lanes = t.has_feature(Halide::Target::AVX512) ? 16 : 8;
    if (s.kernel_size == 3) mobiq::schedule_depthwise_cpu_row_sweep(s, lanes, 2);
    mobiq::schedule_depthwise_cpu(s, lanes, 2, 4);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::DepthwiseStages, "x86", schedule);

}  // namespace
