// The quantizer's pieces on known inputs: multipliers, calibrated ranges of
// known distributions, activation parameters.
#include <algorithm>
#include <cmath>
#include <random>

#include "gtest/gtest.h"
#include "mobiq/quantize.h"

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

}  // namespace
