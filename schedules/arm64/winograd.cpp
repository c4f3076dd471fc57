// arm64 schedules of the Winograd transforms (common/cpu_winograd.h): 128-bit
// NEON vectors (8 int16 lanes in the input transform, 4 int32 / float in the output's).
#include "common/cpu_winograd.h"
#include "schedule_registry.h"

namespace {

void input(mobiq::WinogradInputStages &s, const Halide::Target &) { mobiq::schedule_winograd_input_cpu(s, 8); }
void output(mobiq::WinogradOutputStages &s, const Halide::Target &) { mobiq::schedule_winograd_output_cpu(s, 4); }

MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, "arm64", input);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, "arm64", output);

}  // namespace
