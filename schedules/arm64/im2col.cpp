// arm64 schedule of im2col: 16-byte NEON vectors along the receptive-field row.
#include "common/cpu_im2col.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Im2colStages &s, const Halide::Target &) {
    mobiq::schedule_im2col_cpu(s, 16, s.element_bytes);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, "arm64", schedule);

}  // namespace
