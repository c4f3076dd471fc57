// arm64 schedules of the element-wise and pooling kernels: 16-byte NEON vectors
// along channels, rows in parallel (common/cpu_simple.h).
#include "common/cpu_simple.h"
#include "schedule_registry.h"

namespace {

void elementwise(mobiq::ElementwiseStages &s, const Halide::Target &) { mobiq::schedule_elementwise_cpu(s, 16); }
void pool(mobiq::PoolStages &s, const Halide::Target &) { mobiq::schedule_pool_cpu(s, 16); }

MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, "arm64", elementwise);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, "arm64", pool);
void softmax(mobiq::SoftmaxStages &s, const Halide::Target &t) {
    (void)t;
    mobiq::schedule_softmax_cpu(s, 4);
}
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, "arm64", softmax);

void quantize_to_nhwc(mobiq::QuantizeToNhwcStages &s, const Halide::Target &) {
    mobiq::schedule_quantize_to_nhwc_cpu(s, 16);
}
MOBIQ_REGISTER_SCHEDULE(mobiq::QuantizeToNhwcStages, "arm64", quantize_to_nhwc);

}  // namespace
