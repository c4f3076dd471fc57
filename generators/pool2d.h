// Pooling kernels (pool2d max / average, global_average_pool): the Funcs and
// Vars their schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct PoolStages {
    Halide::Func output;  // (c, ox, oy, n)
    Halide::Var c, ox, oy, n;
    Halide::Expr channels;
    int element_bytes = 1;
};

}  // namespace mobiq
