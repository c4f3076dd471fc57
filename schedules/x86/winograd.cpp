// x86 schedules of the Winograd transforms (common/cpu_winograd.h): 16 int32 /
// float lanes with AVX-512 (8 with AVX2); the int8 / int16 transforms take
// wider vectors of their own element type (32 / 64 lanes would leave the
// loads narrow; 16 keeps the int16 arithmetic in one zmm / ymm per row).
#include "common/cpu_winograd.h"
#include "schedule_registry.h"

namespace {

int lanes(const Halide::Target &t) { return t.has_feature(Halide::Target::AVX512) ? 16 : 8; }
void input(mobiq::WinogradInputStages &s, const Halide::Target &t) { mobiq::schedule_winograd_input_cpu(s, 2 * lanes(t)); }
void output(mobiq::WinogradOutputStages &s, const Halide::Target &t) { mobiq::schedule_winograd_output_cpu(s, lanes(t)); }

MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, "x86", input);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, "x86", output);

}  // namespace
