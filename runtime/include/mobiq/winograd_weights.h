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

// The G matrix of F(m x m, 3 x 3): alpha x 3; B^T: alpha x alpha.
const std::vector<std::vector<double>> &winograd_g(int m);
const std::vector<std::vector<double>> &winograd_bt(int m);

// Calibration of winograd-tapwise: raises absmax[t] (alpha^2 entries) to
// max |B^T d B|_t over every tile of an NHWC tensor (n, h, w, c) read as the
// input of a 3x3, stride-1, pad-1 convolution (zero outside).
void winograd_tap_absmax(const float *nhwc, int n, int h, int w, int c, int m, std::vector<float> *absmax);

}  // namespace mobiq
