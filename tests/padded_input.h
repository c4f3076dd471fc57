// The input of a spatial kernel as the runtime gives it: NHWC (H, W, C) data
// inside a border of `pad` pixels holding `fill` (the zero point, or 0.0f)
// (docs/arithmetic.md, "Padded inputs").
#pragma once

#include <vector>

#include "HalideBuffer.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {

template <typename T>
Halide::Runtime::Buffer<T> padded_input(const std::vector<T> &x, const ref::ConvShape &s, T fill) {
    Halide::Runtime::Buffer<T> in(s.cin, s.w + 2 * s.pad, s.h + 2 * s.pad, 1);
    in.fill(fill);
    for (int y = 0; y < s.h; y++)
        for (int xx = 0; xx < s.w; xx++)
            for (int c = 0; c < s.cin; c++)
                in(c, xx + s.pad, y + s.pad, 0) = x[(static_cast<size_t>(y) * s.w + xx) * s.cin + c];
    return in;
}

}  // namespace mobiq::test
