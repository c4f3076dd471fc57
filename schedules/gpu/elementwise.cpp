// Generic OpenCL schedules of the element-wise and pooling kernels: 64 x 4
// work-groups (two warps along channels).
#include "common/gpu_simple.h"
#include "schedule_registry.h"

namespace {

void elementwise(mobiq::ElementwiseStages &s, const Halide::Target &) { mobiq::schedule_elementwise_gpu(s, 64, 4); }
void pool(mobiq::PoolStages &s, const Halide::Target &) { mobiq::schedule_pool_gpu(s, 64, 4); }

MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, "gpu", elementwise);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, "gpu", pool);
void softmax(mobiq::SoftmaxStages &s, const Halide::Target &) { mobiq::schedule_softmax_gpu(s, 64); }
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, "gpu", softmax);

}  // namespace
