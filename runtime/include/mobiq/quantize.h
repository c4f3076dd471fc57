// Post-training quantization: calibration (activation ranges observed on the
// FP32 graph over sample inputs) and the quantizer that turns a graph, those
// ranges and a scheme into a QuantizedGraph (docs/quantization.md).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "mobiq/graph.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/status.h"

namespace mobiq {

enum class Calibration { kMinMax, kPercentile, kEntropy };

struct QuantScheme {
    bool symmetric_activations = false;  // zero point 0, range [-max|x|, max|x|]
    bool per_channel_weights = true;
    bool symmetric_weights = true;
    Calibration calibration = Calibration::kMinMax;
    double percentile = 99.99;  // kPercentile: the kept share of each tail, in %
    RequantizationMode requantization = RequantizationMode::kGemmlowp;
    // The paper's Winograd quantization: every convolution Winograd applies to
    // (mobiq/layer_plan.h) gets INT4 weights and an INT6 input, where the
    // input's producer can requantize to INT6 (not a graph input).
    bool winograd_int6w4 = false;
    // winograd-int6w8 (the middle ground): INT6 inputs as for int6w4, the FP32
    // weights transformed in float (U = G g G^T) and quantized to int8 per
    // output channel, for every such convolution within its int32 bound
    // (kWinogradInt6w8MaxChannels).
    bool winograd_int6w8 = false;
    // Winograd quantized per tap (winograd-tapwise): m of F(m x m, 3 x 3), 0
    // for none. Every convolution Winograd applies to gets its weights
    // transformed in float and quantized per (tap, output channel), and its
    // transformed input quantized per tap with scales from calibration
    // (TensorStats::winograd_absmax).
    int winograd_tapwise = 0;
    // Bits of the weights of group-1 convolutions and fully connected layers
    // (not those winograd-int6w4 gives 4 bits, nor depthwise or BN layers):
    // 8, or 7 (symmetric, [-63, 63]: what the pmaddubsw GEMMs of x86 CPUs
    // without VNNI compute exactly; decision 55).
    int weight_bits = 8;
};

// "asym/per-channel/sym-w" (+ "/w7" with 7-bit weights, "/fp32-rq" with fp32 requantization, "/int6w4", "/int6w8"): what
// decides the kernels (tuning keys); the calibration method does not.
std::string scheme_name(const QuantScheme &s);

// What calibration keeps per activation tensor: the extremes and a histogram
// over them (for percentile / entropy).
struct TensorStats {
    float min = 0, max = 0;
    std::vector<double> histogram;  // kBins bins over [min, max] (second pass)
    static constexpr int kBins = 2048;
    // winograd-tapwise: per tap, max |B^T d B| over every tile of the tensor (as
    // the input of a 3x3, stride-1, pad-1 convolution) and every sample.
    std::vector<float> winograd_absmax;
};

// The range [lo, hi] the tensor is quantized to, per the scheme's method
// (always containing 0, so that zero is exact).
void calibrated_range(const TensorStats &s, const QuantScheme &scheme, float *lo, float *hi);

// Multiplier / shift of a positive real (docs/arithmetic.md, "Requantization"):
// real = multiplier * 2^(shift - 31), multiplier in [2^30, 2^31), shift in
// [-31, 30]; reals too small for that range give multiplier 0 (output = zero point).
void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift);

// The symmetric scale of w[begin, end) (max |w| = max_abs > 0) onto [-qmax, qmax]
// that minimizes the squared rounding + clipping error, searched over clipping
// thresholds 0.30..1.00 x max_abs in steps of 0.01: the INT4 weights of
// winograd-int6w4 (8-bit weights keep min-max).
float mse_clipped_weight_scale(const std::vector<float> &w, size_t begin, size_t end, double max_abs, double qmax);

// Quantizes `graph` (already through the passes: BN folded or not, activations
// fused) with the per-tensor stats (indexed by tensor id; graph inputs and
// every node output must have them).
Status quantize_graph(const Graph &graph, const std::vector<TensorStats> &stats, const QuantScheme &scheme,
                      QuantizedGraph *out);

}  // namespace mobiq
