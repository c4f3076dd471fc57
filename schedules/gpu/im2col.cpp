// Generic OpenCL schedule of im2col: 32 x 4 work-groups (a warp along the row).
#include "common/gpu_im2col.h"
#include "schedule_registry.h"

namespace {

void schedule(mobiq::Im2colStages &s, const Halide::Target &) { mobiq::schedule_im2col_gpu(s, 32, 4); }

MOBIQ_REGISTER_SCHEDULE(mobiq::Im2colStages, "gpu", schedule);

}  // namespace
