// Generic OpenCL schedules of the Winograd transforms (common/gpu_winograd.h):
// 4 channels of one tile per work-item, 16 x 8 work-groups.
#include "common/gpu_gemm.h"
#include "common/gpu_winograd.h"
#include "schedule_registry.h"

namespace {

void input(mobiq::WinogradInputStages &s, const Halide::Target &) { mobiq::schedule_winograd_input_gpu(s, 4, 16, 8); }
void output(mobiq::WinogradOutputStages &s, const Halide::Target &) { mobiq::schedule_winograd_output_gpu(s, 4, 16, 8); }
// The batched tap GEMM: gemm_int8's / gemm_fp32's gpu tile (schedules/gpu/gemm_*.cpp).
void tap_gemm(mobiq::WinogradTapGemmStages &s, const Halide::Target &) {
    mobiq::schedule_winograd_tap_gemm_gpu(s, {4, 4, 16, 8});
}

MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, "gpu", input);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, "gpu", output);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradTapGemmStages, "gpu", tap_gemm);

}  // namespace
