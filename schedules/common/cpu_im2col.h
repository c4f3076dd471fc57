// CPU schedule of im2col: a copy, vectorized along the contiguous receptive-
// field row (j); output rows in parallel. Halide partitions the loops so that
// the padding checks run only at the image border.
#pragma once

#include "Halide.h"
#include "im2col.h"

namespace mobiq {

inline void schedule_im2col_cpu(Im2colStages &s, int vector_bytes, int element_bytes) {
    using namespace Halide;
    const int lanes = vector_bytes / element_bytes;
    s.output.specialize(s.row_length >= lanes)
        .vectorize(s.j, lanes, TailStrategy::ShiftInwards)
        .parallel(s.oy);
    s.output.parallel(s.oy);
}

}  // namespace mobiq
