// The quantizer's pieces on known inputs: multipliers, calibrated ranges of
// known distributions, activation parameters.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <random>

#include "gtest/gtest.h"
#include "mobiq/layer_params.h"
#include "mobiq/quantize.h"
#include "mobiq/winograd_weights.h"

namespace {

using mobiq::Calibration;
using mobiq::QuantScheme;
using mobiq::TensorStats;

TEST(QuantizeMultiplier, RepresentsTheReal) {
    for (double real : {1e-9, 3.1e-5, 0.0123, 0.5, 0.75, 1.0, 1.9999, 37.5}) {
        int32_t m, s;
        mobiq::quantize_multiplier(real, &m, &s);
        EXPECT_GE(m, 1 << 30);
        EXPECT_LT(int64_t{m}, int64_t{1} << 31);
        EXPECT_NEAR(m * std::ldexp(1.0, s - 31), real, real * 1e-9) << real;
    }
    int32_t m, s;
    mobiq::quantize_multiplier(1e-12, &m, &s);  // below 2^-32: multiplier 0, never a wrong shift
    EXPECT_EQ(m, 0);
    mobiq::quantize_multiplier(0.0, &m, &s);
    EXPECT_EQ(m, 0);
}

TensorStats gaussian_stats(int n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> d;
    std::vector<float> v(n);
    for (auto &x : v) x = d(rng);
    TensorStats s;
    s.min = *std::min_element(v.begin(), v.end());
    s.max = *std::max_element(v.begin(), v.end());
    s.histogram.assign(TensorStats::kBins, 0.0);
    const double w = (double(s.max) - s.min) / TensorStats::kBins;
    for (float x : v) s.histogram[std::min(TensorStats::kBins - 1, int((x - s.min) / w))] += 1;
    return s;
}

TEST(CalibratedRange, GaussianByMethod) {
    const TensorStats s = gaussian_stats(1000000, 5);
    float lo, hi;
    QuantScheme q;
    q.calibration = Calibration::kMinMax;
    mobiq::calibrated_range(s, q, &lo, &hi);
    EXPECT_EQ(lo, s.min);
    EXPECT_EQ(hi, s.max);
    q.calibration = Calibration::kPercentile;  // 99.99 % per tail: ~3.72 sigma
    mobiq::calibrated_range(s, q, &lo, &hi);
    EXPECT_NEAR(hi, 3.72f, 0.1f);
    EXPECT_NEAR(lo, -3.72f, 0.1f);
    q.calibration = Calibration::kEntropy;  // 8-bit KL threshold of a Gaussian: a few sigma, inside the extremes
    mobiq::calibrated_range(s, q, &lo, &hi);
    std::printf("entropy threshold of N(0, 1): [%.3f, %.3f] (extremes %.3f, %.3f)\n", lo, hi, s.min, s.max);
    EXPECT_GT(hi, 2.5f);
    EXPECT_LT(hi, s.max);
    EXPECT_NEAR(lo, -hi, 0.05f);
}

// After a ReLU: half the values exactly 0, the rest |N(0, 1)|. The zeros are
// exact in any range; they must not drag the entropy threshold down (they did:
// the smallest candidate, max / 16, won, and real networks lost most of their
// accuracy; docs/accuracy.md).
TEST(CalibratedRange, EntropyIgnoresTheZerosOfARelu) {
    std::mt19937 rng(9);
    std::normal_distribution<float> d;
    std::vector<float> v(1000000);
    for (size_t i = 0; i < v.size(); i++) v[i] = i % 2 ? std::fabs(d(rng)) : 0.0f;
    TensorStats s;
    s.min = 0;
    s.max = *std::max_element(v.begin(), v.end());
    s.histogram.assign(TensorStats::kBins, 0.0);
    const double w = double(s.max) / TensorStats::kBins;
    for (float x : v) s.histogram[std::min(TensorStats::kBins - 1, int(x / w))] += 1;
    QuantScheme q;
    q.calibration = Calibration::kEntropy;
    float lo, hi;
    mobiq::calibrated_range(s, q, &lo, &hi);
    std::printf("entropy threshold of a ReLU'd N(0, 1): %.3f (max %.3f)\n", hi, s.max);
    EXPECT_EQ(lo, 0.0f);
    EXPECT_GT(hi, 2.5f);
    EXPECT_LE(hi, s.max);
}

TEST(CalibratedRange, AlwaysContainsZero) {
    TensorStats s;
    s.min = 2.0f;
    s.max = 5.0f;
    float lo, hi;
    mobiq::calibrated_range(s, QuantScheme{}, &lo, &hi);
    EXPECT_EQ(lo, 0.0f);
    EXPECT_EQ(hi, 5.0f);
}

// INT4 weights (winograd-int6w4): the clipped scale's squared error is at most
// min-max's (the search includes min-max), strictly less on Gaussian weights with
// an outlier, and min-max itself where every weight sits on a level of it.
TEST(MseClippedWeightScale, NoWorseThanMinMax) {
    auto sq_err = [](const std::vector<float> &w, float scale) {
        double e = 0;
        for (float v : w) {
            const double q = std::min(7.0, std::max(-7.0, std::nearbyint(v / static_cast<double>(scale))));
            e += (q * scale - v) * (q * scale - v);
        }
        return e;
    };
    std::mt19937 rng(32);
    std::normal_distribution<float> normal(0.0f, 0.1f);
    std::vector<float> w(576);
    for (float &v : w) v = normal(rng);
    w[17] = 0.9f;  // an outlier: min-max spends the 7 levels on it
    const float minmax = 0.9f / 7, clipped = mobiq::mse_clipped_weight_scale(w, 0, w.size(), 0.9, 7);
    EXPECT_LT(clipped, minmax);
    EXPECT_LT(sq_err(w, clipped), 0.7 * sq_err(w, minmax));
    std::vector<float> levels;
    for (int q = -7; q <= 7; q++) levels.push_back(0.25f * q);
    EXPECT_FLOAT_EQ(mobiq::mse_clipped_weight_scale(levels, 0, levels.size(), 1.75, 7), 0.25f);
}

// winograd-int6w8: the 3x3 layer's FP32 weights transformed in float (U = G g G^T)
// and rounded to int8 with one min-max scale per output channel over its 16
// taps and input channels; its input (written by a node) quantized to INT6;
// the multipliers those of the accumulator's scale s_in * s_U.
TEST(QuantizeGraph, Int6w8TransformsThenQuantizesPerChannel) {
    std::mt19937 rng(8);
    std::normal_distribution<float> d;
    mobiq::Graph g;
    auto tensor = [&](const char *name, std::vector<int64_t> shape, bool constant) {
        mobiq::Tensor t;
        t.name = name;
        t.shape = shape;
        t.constant = constant;
        if (constant) {
            int64_t n = 1;
            for (int64_t e : shape) n *= e;
            t.f32.resize(static_cast<size_t>(n));
            for (auto &v : t.f32) v = 0.2f * d(rng);
        }
        return g.add_tensor(t);
    };
    const int x = tensor("x", {1, 4, 4, 4}, false), a = tensor("a", {1, 20, 4, 4}, false),
              y = tensor("y", {1, 6, 4, 4}, false);
    const int w0 = tensor("w0", {20, 4, 1, 1}, true), w1 = tensor("w1", {6, 20, 3, 3}, true), b1 = tensor("b1", {6}, true);
    mobiq::Node n0;
    n0.op = mobiq::OpType::kConv;
    n0.name = "pointwise";
    n0.inputs = {x, w0};
    n0.outputs = {a};
    mobiq::Node n1 = n0;
    n1.name = "three";
    n1.inputs = {a, w1, b1};
    n1.outputs = {y};
    n1.kernel_h = n1.kernel_w = 3;
    n1.pad_top = n1.pad_left = n1.pad_bottom = n1.pad_right = 1;
    g.nodes = {n0, n1};
    g.inputs = {x};
    g.outputs = {y};
    std::vector<TensorStats> stats(g.tensors.size());
    for (auto &st : stats) st.min = -1.5f, st.max = 2.0f;
    QuantScheme scheme;
    scheme.winograd_int6w8 = true;
    EXPECT_EQ(mobiq::scheme_name(scheme), "asym/per-channel/sym-w/int6w8");
    mobiq::QuantizedGraph qg;
    ASSERT_TRUE(mobiq::quantize_graph(g, stats, scheme, &qg).is_ok());
    EXPECT_FALSE(qg.nodes[0].winograd_int6w8);
    const mobiq::QuantizedNode &q = qg.nodes[1];
    ASSERT_TRUE(q.winograd_int6w8);
    EXPECT_EQ(qg.tensors[a].qmin, -32);
    EXPECT_EQ(qg.tensors[a].qmax, 31);
    const int N = 6, C = 20;
    const std::vector<float> u = mobiq::winograd_weights_fp32(mobiq::conv_weights_ohwi(g.tensors[w1]).data(), N, C, 2);
    ASSERT_EQ(q.tap_weights.size(), u.size());
    for (int o = 0; o < N; o++) {
        double mx = 0;
        int qmax = 0;
        for (int t = 0; t < 16; t++)
            for (int c = 0; c < C; c++) {
                const size_t i = (static_cast<size_t>(t) * N + o) * C + c;
                mx = std::max(mx, std::fabs(static_cast<double>(u[i])));
                qmax = std::max(qmax, std::abs(static_cast<int>(q.tap_weights[i])));
            }
        EXPECT_FLOAT_EQ(q.weight_scale[o], static_cast<float>(mx / 127));
        EXPECT_EQ(qmax, 127) << "min-max: the channel's largest |U| takes the top level";
        for (int t = 0; t < 16; t++)
            for (int c = 0; c < C; c++) {
                const size_t i = (static_cast<size_t>(t) * N + o) * C + c;
                EXPECT_LE(std::fabs(q.tap_weights[i] * static_cast<double>(q.weight_scale[o]) - u[i]),
                          0.5 * q.weight_scale[o] * (1 + 1e-6));
            }
        int32_t mult, shift;
        mobiq::quantize_multiplier(static_cast<double>(qg.tensors[a].scale) * q.weight_scale[o] / qg.tensors[y].scale,
                                   &mult, &shift);
        EXPECT_EQ(q.multiplier[o], mult);
        EXPECT_EQ(q.shift[o], shift);
    }
    // int6w4 and int6w8 together, or asymmetric weights, are errors.
    scheme.winograd_int6w4 = true;
    EXPECT_FALSE(mobiq::quantize_graph(g, stats, scheme, &qg).is_ok());
    scheme.winograd_int6w4 = false;
    scheme.symmetric_weights = false;
    EXPECT_FALSE(mobiq::quantize_graph(g, stats, scheme, &qg).is_ok());
}

}  // namespace
