// im2col: the Funcs and Vars its schedules may touch.
#pragma once

#include "Halide.h"

namespace mobiq {

struct Im2colStages {
    Halide::Func output;  // (j, ky, ox, oy, n): j = c + C * kx, one receptive-field row per ky
    Halide::Var j, ky, ox, oy, n;
    Halide::Expr row_length;  // extent of j (C * KW)
    int element_bytes = 1;
};

}  // namespace mobiq
