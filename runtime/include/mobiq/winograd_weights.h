// The Winograd weight transforms (docs/arithmetic.md, "Winograd"), done once at
// load: U = G g G^T for every output channel n and input channel c of a 3 x 3
// kernel g, one (N, C) matrix per tap t = alpha * u + v.
#pragma once

#include <cstdint>
#include <vector>

namespace mobiq {

// F(2x2, 3x3) in integers: U' = G' g G'^T with G' = 2G (so U' = 4U, exactly).
// g is OHWI (N, 3, 3, C) int8; the result is (16, N, C), |U'| <= 9 * 128.
std::vector<int32_t> winograd_f2x3_weights_int(const int8_t *g, int n, int c);

// F(m x m, 3 x 3), m = 2 or 4, in floating point (computed in double, rounded
// once to float): g is OHWI (N, 3, 3, C); the result is (alpha^2, N, C).
std::vector<float> winograd_weights_fp32(const float *g, int n, int c, int m);

// The G matrix of F(m x m, 3 x 3): alpha x 3.
const std::vector<std::vector<double>> &winograd_g(int m);

}  // namespace mobiq
