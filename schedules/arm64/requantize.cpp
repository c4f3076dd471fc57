// arm64 schedule of requantize: 4 int32 lanes; the rounding high multiply
// lowers to sqrdmulh, the rounding shift to srshl.
#include "requantize.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::RequantizeStages &s, const Halide::Target &) {
    using namespace Halide;
    Var xo("xo"), xi("xi");
    s.output.specialize(s.output.output_buffer().dim(0).extent() >= 8)
        .vectorize(s.c, 8, TailStrategy::ShiftInwards)
        .split(s.x, xo, xi, 16, Halide::TailStrategy::GuardWithIf)
        .parallel(xo);
    s.output.split(s.x, xo, xi, 16, Halide::TailStrategy::GuardWithIf).parallel(xo);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, "arm64", schedule);

}  // namespace
