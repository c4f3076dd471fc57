// Mali-G52 (Bifrost gen 2, e.g. the paper's device): warps of 8 threads, 2-3
// execution engines per core, int8 dot product (arm_dot, 4-deep into int32) in
// hardware. Register file is small per thread when many warps are resident, so
// the int8 tile is 4 columns x 4 rows (16 int32 accumulators), the fp32 tile
// 4 x 2 (more rows would spill at full occupancy). Work-groups of 8 x 4 = 32
// items: a multiple of the warp width, small enough to keep several groups per
// core to hide memory latency.
#pragma once

#include "mali/mali_gpu.h"

namespace mobiq {

inline constexpr MaliGpu kMaliG52{"mali_g52", {4, 4, 8, 4}, {4, 2, 8, 4}, 4, 8, 4, true};

}  // namespace mobiq
