// x86 schedule of requantize: element-wise; vectors of 16 int32 (AVX-512) along
// channels, rows in parallel. The 32x32->64 high multiply lowers to vpmuldq pairs.
#include "requantize.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::RequantizeStages &s, const Halide::Target &t) {
    using namespace Halide;
    const int lanes = t.has_feature(Target::AVX512) ? 16 : 8;
    Var xo("xo"), xi("xi");
    s.output.specialize(s.output.output_buffer().dim(0).extent() >= lanes)
        .vectorize(s.c, lanes, TailStrategy::ShiftInwards)
        .split(s.x, xo, xi, 16, Halide::TailStrategy::GuardWithIf)
        .parallel(xo);
    s.output.split(s.x, xo, xi, 16, Halide::TailStrategy::GuardWithIf).parallel(xo);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::RequantizeStages, "x86", schedule);

}  // namespace
