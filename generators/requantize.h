// requantize: int32 accumulators -> int8 (docs/arithmetic.md, "Requantization").
// What the schedules of this kernel may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct RequantizeStages {
    Halide::Func output;  // int8 (c, x): channel innermost
    Halide::Var c, x;
};

}  // namespace mobiq
