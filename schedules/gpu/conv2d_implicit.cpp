// Generic OpenCL schedule of the implicit-GEMM convolutions: the gpu GEMM tiles.
#include "common/gpu_conv.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Conv2dImplicitStages &s, const Halide::Target &) {
    mobiq::schedule_conv2d_implicit_gpu(s, {4, 4, 16, 4});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, "gpu", schedule);

}  // namespace
