// The 4-deep int8 dot product as one call of OpenCL's `arm_dot(char4, char4)`
// (cl_arm_integer_dot_product_int8, Mali G52 / G76). Halide's OpenCL backend
// does not emit the instruction, but prints a pure extern call as a plain call
// with its vector operands (docs/mali.md); devices without the extension get
// a portable definition from the runtime (mobiq/opencl_arm_dot.h).
#pragma once

#include <vector>

#include "Halide.h"

namespace mobiq {

// sum_{i<4} int32(a[i]) * int32(b[i]) for int8 a, b.
inline Halide::Expr arm_dot(const std::vector<Halide::Expr> &a, const std::vector<Halide::Expr> &b) {
    using namespace Halide;
    using namespace Halide::Internal;
    return Call::make(Int(32), "arm_dot", {Shuffle::make_concat(a), Shuffle::make_concat(b)}, Call::PureExtern);
}

}  // namespace mobiq
