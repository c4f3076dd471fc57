// Mali schedules of the element-wise and pooling kernels: work-groups of each
// GPU's GEMM shape (g52.h, g72.h, g76.h), channels along the first dimension.
#include "common/gpu_simple.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void elementwise(mobiq::ElementwiseStages &s, const Halide::Target &) {
    mobiq::schedule_elementwise_gpu(s, gpu.gemm_int8.group_x * 2, gpu.gemm_int8.group_y);
}
template <const mobiq::MaliGpu &gpu>
void pool(mobiq::PoolStages &s, const Halide::Target &) {
    mobiq::schedule_pool_gpu(s, gpu.gemm_int8.group_x * 2, gpu.gemm_int8.group_y);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, mobiq::kMaliG52.family, elementwise<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, mobiq::kMaliG72.family, elementwise<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::ElementwiseStages, mobiq::kMaliG76.family, elementwise<mobiq::kMaliG76>);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, mobiq::kMaliG52.family, pool<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, mobiq::kMaliG72.family, pool<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::PoolStages, mobiq::kMaliG76.family, pool<mobiq::kMaliG76>);
template <const mobiq::MaliGpu &gpu>
void softmax(mobiq::SoftmaxStages &s, const Halide::Target &) {
    mobiq::schedule_softmax_gpu(s, gpu.gemm_int8.group_x * gpu.gemm_int8.group_y);
}
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, mobiq::kMaliG52.family, softmax<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, mobiq::kMaliG72.family, softmax<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::SoftmaxStages, mobiq::kMaliG76.family, softmax<mobiq::kMaliG76>);

}  // namespace
