// A node's float parameters in the layouts the kernels read, derived once here
// for both the FP32 lowering (runtime/exec) and the quantizer (runtime/quant).
#pragma once

#include <vector>

#include "mobiq/graph.h"

namespace mobiq {

// Conv weights OIHW -> (C_out, KH, KW, C_in), i.e. (N, K) with
// k = c + C_in * (kx + KW * ky): the im2col / implicit-GEMM order
// (docs/arithmetic.md, "im2col").
std::vector<float> conv_weights_ohwi(const Tensor &w);

// Gemm weights as (N, K) with alpha folded in, K in the order the executor
// stores the features: when the input is an image flattened by Flatten, the
// NHWC order k = c + C * (x + W * y) (ONNX's is c * H * W + y * W + x).
std::vector<float> gemm_weights_nk(const Graph &g, const Node &gemm);
// Its bias (beta folded in; zeros without one).
std::vector<float> gemm_bias(const Graph &g, const Node &gemm);

// BatchNormalization as a per-channel affine: y = scale * x + shift.
void batch_norm_affine(const Graph &g, const Node &bn, std::vector<float> *scale, std::vector<float> *shift);

}  // namespace mobiq
