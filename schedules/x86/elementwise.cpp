// x86 schedules of the element-wise and pooling kernels: 64-byte zmm vectors (32 with AVX2)
// along channels, rows in parallel (common/cpu_simple.h).
#include "common/cpu_simple.h"
#include "schedule_registry.h"

namespace {

void elementwise(mobiq::ElementwiseStages &s, const Halide::Target &t) { mobiq::schedule_elementwise_cpu(s, t.has_feature(Halide::Target::AVX512) ? 64 : 32); }
void pool(mobiq::PoolStages &s, const Halide::Target &t) { mobiq::schedule_pool_cpu(s, t.has_feature(Halide::Target::AVX512) ? 64 : 32); }

MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, "x86", elementwise);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, "x86", pool);
void softmax(mobiq::SoftmaxStages &s, const Halide::Target &t) {
    (void)t;
    mobiq::schedule_softmax_cpu(s, t.has_feature(Halide::Target::AVX512) ? 16 : 8);
}
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, "x86", softmax);

void quantize_to_nhwc(mobiq::QuantizeToNhwcStages &s, const Halide::Target &t) {
    mobiq::schedule_quantize_to_nhwc_cpu(s, t.has_feature(Halide::Target::AVX512) ? 64 : 32);
}
MOBIQ_REGISTER_SCHEDULE(mobiq::QuantizeToNhwcStages, "x86", quantize_to_nhwc);

}  // namespace
