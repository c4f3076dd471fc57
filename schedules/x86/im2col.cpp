// x86 schedule of im2col: 64-byte (zmm) vectors along the receptive-field row.
#include "common/cpu_im2col.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Im2colStages &s, const Halide::Target &t) {
    mobiq::schedule_im2col_cpu(s, t.has_feature(Halide::Target::AVX512) ? 64 : 32, s.element_bytes);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, "x86", schedule);

}  // namespace
