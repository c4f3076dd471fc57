// The schedule `none`: leaves every Func unscheduled, so that Halide's
// autoschedulers (which refuse Funcs that already have a schedule) see only
// the generator's algorithm. tools/autoschedule runs the generators with
// schedule=none autoscheduler=...; no kernel of the build uses it.
#include "conv2d_implicit.h"
#include "gemm_fp32.h"
#include "gemm_int8.h"
#include "schedule_registry.h"

namespace {

template <typename Stages>
void unscheduled(Stages &, const Halide::Target &) {}

MOBIQ_REGISTER_SCHEDULE(mobiq::GemmInt8Stages, "none", unscheduled<mobiq::GemmInt8Stages>);
MOBIQ_REGISTER_SCHEDULE(mobiq::GemmFp32Stages, "none", unscheduled<mobiq::GemmFp32Stages>);
MOBIQ_REGISTER_SCHEDULE(mobiq::Conv2dImplicitStages, "none", unscheduled<mobiq::Conv2dImplicitStages>);

}  // namespace
