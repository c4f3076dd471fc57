// Mali-G76 (Bifrost gen 3): warps of 8 threads, 3 execution engines per core
// with twice G72's lanes per engine, int8 dot product (arm_dot) in hardware.
// Bigger register budget per core than G52: the int8 tile goes to 4 columns x
// 8 rows (32 accumulators, the A row broadcast amortized over more columns is
// not possible at 128-bit, so more rows), fp32 4 x 4; work-groups 8 x 4.
#pragma once

#include "mali/mali_gpu.h"

namespace mobiq {

inline constexpr MaliGpu kMaliG76{"mali_g76", {4, 8, 8, 4}, {4, 4, 8, 4}, 4, 8, 4, true};

}  // namespace mobiq
