// arm64 schedule of the implicit-GEMM convolutions: the register blocks of the
// arm64 GEMM schedules (4 vectors x 6 rows of 4 lanes).
#include "common/cpu_conv.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Conv2dImplicitStages &s, const Halide::Target &) {
    mobiq::schedule_conv2d_implicit_cpu(s, {4, 4, 6});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, "arm64", schedule);

}  // namespace
