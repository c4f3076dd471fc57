// Mali schedules of the Winograd transforms (common/gpu_winograd.h): 128-bit
// vectors of 4 channels per work-item, work-groups of each GPU's GEMM shape;
// the batched tap GEMM with each GPU's GEMM tile.
#include "common/gpu_winograd.h"
#include "mali/g52.h"
#include "mali/g72.h"
#include "mali/g76.h"
#include "schedule_registry.h"

namespace {

template <const mobiq::MaliGpu &gpu>
void input(mobiq::WinogradInputStages &s, const Halide::Target &) {
    mobiq::schedule_winograd_input_gpu(s, 4, gpu.gemm_int8.group_x, gpu.gemm_int8.group_y);
}
template <const mobiq::MaliGpu &gpu>
void tap_gemm(mobiq::WinogradTapGemmStages &s, const Halide::Target &) {
    mobiq::schedule_winograd_tap_gemm_gpu(s, s.fp32 ? gpu.gemm_fp32 : gpu.gemm_int8);
}
template <const mobiq::MaliGpu &gpu>
void output(mobiq::WinogradOutputStages &s, const Halide::Target &) {
    mobiq::schedule_winograd_output_gpu(s, 4, gpu.gemm_int8.group_x, gpu.gemm_int8.group_y);
}

MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, mobiq::kMaliG52.family, input<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, mobiq::kMaliG72.family, input<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradInputStages, mobiq::kMaliG76.family, input<mobiq::kMaliG76>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, mobiq::kMaliG52.family, output<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, mobiq::kMaliG72.family, output<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradOutputStages, mobiq::kMaliG76.family, output<mobiq::kMaliG76>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradTapGemmStages, mobiq::kMaliG52.family, tap_gemm<mobiq::kMaliG52>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradTapGemmStages, mobiq::kMaliG72.family, tap_gemm<mobiq::kMaliG72>);
MOBIQ_REGISTER_SCHEDULE(mobiq::WinogradTapGemmStages, mobiq::kMaliG76.family, tap_gemm<mobiq::kMaliG76>);

}  // namespace
