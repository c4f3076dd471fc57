// Mali-G72 (Bifrost gen 1): warps of 4 threads (quads), 3 execution engines
// per core, NO int8 dot-product instruction: int8 MACs run as widening
// multiply-adds, so INT8 gains come from halved/quartered memory traffic, not
// from 4x ALU throughput. Tiles: 4 x 4 for int8 and fp32 (the quad-wide warps
// leave more registers per thread than G52 at equal occupancy); work-groups of
// 4 x 4 = 16 (a multiple of the quad).
#pragma once

#include "mali/mali_gpu.h"

namespace mobiq {

inline constexpr MaliGpu kMaliG72{"mali_g72", {4, 4, 4, 4}, {4, 4, 4, 4}, 4, 4, 4, false};

}  // namespace mobiq
