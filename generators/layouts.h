// Layout constraints shared by the generators: every tensor is dense along
// its innermost dimension (channels for NHWC activations, the packed inner
// dimension for weights) and starts at zero in every dimension, so that
// vector loads along the innermost dimension need no checks.
#pragma once

#include "Halide.h"

namespace mobiq {

template <typename BufferParam>
void require_dense_from_zero(BufferParam &b, int dimensions) {
    b.dim(0).set_min(0).set_stride(1);
    for (int d = 1; d < dimensions; d++) b.dim(d).set_min(0);
}

}  // namespace mobiq
