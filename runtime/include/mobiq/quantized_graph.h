// A graph quantized to INT8: every integer the kernels need, fixed once by
// the quantizer (mobiq/quantize.h) from calibration statistics and a scheme.
// The session's INT8 lowering and the tests' scalar reference executor both
// read exactly these numbers, so their outputs can be compared bit for bit.
// Arithmetic: docs/arithmetic.md.
#pragma once

#include <cstdint>
#include <vector>

#include "mobiq/graph.h"

namespace mobiq {

// How int32 accumulators (and ADD's sums) become int8 (docs/arithmetic.md):
// gemmlowp's fixed-point multiplier and shift, as TFLite; or fp32, as
// XNNPACK's fp32 requantization: the float scale fl(multiplier) * 2^(shift-31),
// one multiply and a round-half-to-even. Both read the same QuantizedNode numbers.
enum class RequantizationMode { kGemmlowp, kFp32 };

// real = scale * (q - zero_point), q in [qmin, qmax]: [-128, 127], or the INT6
// range [-32, 31] for a tensor read by a winograd-int6w4 convolution.
struct ActivationQuant {
    float scale = 1.0f;
    int32_t zero_point = 0;
    int32_t qmin = -128, qmax = 127;
    float inverse_scale() const { return 1.0f / scale; }  // quantize: round_half_even(x * inverse_scale) + zero_point
};

// TFLite's quantized ADD parameters (docs/arithmetic.md, "Add").
struct QuantizedAdd {
    int32_t a_zero_point = 0, a_multiplier = 0, a_shift = 0;
    int32_t b_zero_point = 0, b_multiplier = 0, b_shift = 0;
    int32_t left_shift = 20, output_multiplier = 0, output_shift = 0;
};

struct QuantizedNode {
    // Conv, depthwise Conv, Gemm, BatchNormalization (as a per-channel affine).
    //   Conv: OHWI (C_out, KH, KW, C_in); depthwise: (KH, KW, C); Gemm: (N, K) with
    //   K in the order the executor stores the features (NHWC-flattened); BN: (C).
    std::vector<int8_t> weights;
    std::vector<int32_t> weight_zero_point;  // one per output channel
    std::vector<float> weight_scale;         // one per output channel
    std::vector<int32_t> bias;               // one per output channel: round(b / (s_in * s_w))
    std::vector<int32_t> multiplier, shift;  // one per output channel: s_in * s_w / s_out
    bool asymmetric_weights = false;         // some weight zero point != 0
    // Conv: INT4 weights (in [-7, 7]) and an INT6 input, for Winograd
    // F(2x2, 3x3) on int8 dot products (winograd-int6w4, docs/winograd.md).
    bool winograd_int6w4 = false;
    // Conv, winograd-tapwise (docs/arithmetic.md "Winograd"): m of F(m x m,
    // 3 x 3) (0: not tapwise) and, with alpha^2 taps t, N output channels, C
    // input channels: the input transform's per-tap scales s_in / s_t, the
    // transformed weights quantized per (tap, channel) (t, N, C), the output
    // transform's scales s_t * s_w(t, n) / s_out (t, N) and bias / s_out (N).
    int winograd_tapwise = 0;
    // Conv, winograd-int6w8 (docs/arithmetic.md "int6w8"): an INT6 input and
    // the weights transformed in float, U = G g G^T, quantized to int8 per output
    // channel into tap_weights (16, N, C); weight_scale is U's scale (max |U| /
    // 127), so bias and multiplier are those of the accumulator A^T M A. Its
    // `weights` stay empty: no other method computes this layer.
    bool winograd_int6w8 = false;
    std::vector<float> tap_input_scale;
    std::vector<int8_t> tap_weights;
    std::vector<float> tap_output_scale, tap_bias;
    // Add.
    QuantizedAdd add;
    // Every op that writes int8: the output clamp (a fused ReLU / ReLU6, or [-128, 127]).
    int32_t output_min = -128, output_max = 127;
};

struct QuantizedGraph {
    Graph graph;                          // after the passes; Flatten kept as a view
    std::vector<ActivationQuant> tensors; // per tensor id (activations; constants unused)
    std::vector<QuantizedNode> nodes;     // parallel to graph.nodes
    RequantizationMode requantization = RequantizationMode::kGemmlowp;
};

}  // namespace mobiq
