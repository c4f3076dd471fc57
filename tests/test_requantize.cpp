// requantize (int32 -> int8) against the gemmlowp-arithmetic reference, per
// family, bit-exact.
#include <random>

#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

class Requantize : public testing::TestWithParam<KernelSet> {
protected:
    // Runs the family's kernel on (channels x rows) accumulators and compares with the reference.
    void check(const std::vector<int32_t> &acc, int channels, const ref::Requantization &rq) {
        const int rows = static_cast<int>(acc.size()) / channels;
        const bool per_channel = rq.multiplier.size() != 1;
        std::vector<int32_t> in_data = acc, mult = rq.multiplier, shift = rq.shift;
        Buffer<int32_t> in(in_data.data(), channels, rows);
        Buffer<int32_t> m(mult.data(), static_cast<int>(mult.size()));
        Buffer<int32_t> s(shift.data(), static_cast<int>(shift.size()));
        Buffer<int8_t> out(channels, rows);
        host_dirty(in);
        host_dirty(m);
        host_dirty(s);
        const auto want = ref::requantize(acc, channels, rq);
        for_each_variant<op::requantize>(GetParam(), per_channel ? "per_channel=true" : "per_channel=false",
                                         [&](const auto &fn) {
            ASSERT_EQ(fn(in, m, s, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            to_host(out);
            int mismatches = 0;
            for (int y = 0; y < rows; y++)
                for (int c = 0; c < channels; c++)
                    if (out(c, y) != want[static_cast<size_t>(y) * channels + c] && mismatches++ < 5)
                        ADD_FAILURE() << "at (c=" << c << ", row=" << y << ") acc=" << acc[y * channels + c]
                                      << ": got " << int(out(c, y)) << ", want " << int(want[y * channels + c]);
            EXPECT_EQ(mismatches, 0);
        });
    }

    static std::vector<int32_t> random_acc(int n, int32_t lo, int32_t hi, uint32_t seed) {
        std::mt19937 rng(seed);
        std::uniform_int_distribution<int32_t> d(lo, hi);
        std::vector<int32_t> v(n);
        for (auto &x : v) x = d(rng);
        return v;
    }

    static ref::Requantization random_scales(int channels, uint32_t seed, double lo = 1e-4, double hi = 0.9) {
        std::mt19937 rng(seed);
        std::uniform_real_distribution<double> d(std::log(lo), std::log(hi));
        ref::Requantization rq;
        for (int c = 0; c < channels; c++) {
            int32_t m;
            int s;
            ref::quantize_multiplier(std::exp(d(rng)), &m, &s);
            rq.multiplier.push_back(m);
            rq.shift.push_back(s);
        }
        return rq;
    }
};

TEST_P(Requantize, PerChannel) {
    for (int channels : {1, 3, 16, 17, 64, 255}) {
        SCOPED_TRACE("channels=" + std::to_string(channels));
        auto rq = random_scales(channels, 7 + channels);
        rq.output_zero_point = -5;
        check(random_acc(channels * 37, -200000, 200000, channels), channels, rq);
    }
}

TEST_P(Requantize, PerLayer) {
    for (int channels : {1, 8, 33, 128}) {
        SCOPED_TRACE("channels=" + std::to_string(channels));
        auto rq = random_scales(1, 99 + channels);
        rq.output_zero_point = 17;
        check(random_acc(channels * 29, -100000, 100000, 3 * channels), channels, rq);
    }
}

// Ties (x.5 after the shift) in both signs, where round-half-away-from-zero
// (RoundingDivideByPOT) and round-half-up differ.
TEST_P(Requantize, RoundingTies) {
    ref::Requantization rq;
    rq.multiplier = {1 << 30};  // 0.5 in Q31
    rq.shift = {-3};            // total x / 16
    std::vector<int32_t> acc;
    for (int32_t v = -80; v <= 80; v++) acc.push_back(v);
    check(acc, 1, rq);
}

// Saturation: extreme accumulators, multipliers near 1 and left shifts (M > 1).
TEST_P(Requantize, SaturationAndLeftShift) {
    std::vector<int32_t> acc = {INT32_MIN, INT32_MIN + 1, -1 << 30, -65536, -1, 0, 1, 65535, 1 << 30, INT32_MAX};
    acc.resize(32, 12345);
    ref::Requantization rq;
    const int32_t ms[] = {INT32_MAX, 1 << 30, 1518500250, 1073741824 + 1};
    const int ss[] = {0, 5, -31, 30};
    for (int i = 0; i < 32; i++) {
        rq.multiplier.push_back(ms[i % 4]);
        rq.shift.push_back(ss[(i / 4) % 4]);
    }
    check(acc, 32, rq);
}

// Fused activations are clamps: ReLU (lo = z_out), ReLU6 (hi = z_out + 6/s).
TEST_P(Requantize, ReluAndRelu6Bounds) {
    auto rq = random_scales(24, 5);
    rq.output_zero_point = -128;
    rq.output_min = -128;
    rq.output_max = -128 + 96;
    check(random_acc(24 * 50, -300000, 300000, 11), 24, rq);
}

TEST_P(Requantize, ExtremeZeroPoints) {
    for (int32_t zp : {-128, 127}) {
        auto rq = random_scales(16, 21);
        rq.output_zero_point = zp;
        check(random_acc(16 * 20, -50000, 50000, 23), 16, rq);
    }
}

TEST_P(Requantize, RejectsBadClampBounds) {
    std::vector<int32_t> a(8, 1), m(8, 1 << 30), s(8, 0);
    Buffer<int32_t> in(a.data(), 8, 1), mb(m.data(), 8), sb(s.data(), 8);
    Buffer<int8_t> out(8, 1);
    host_dirty(in);
    host_dirty(mb);
    host_dirty(sb);
    for_each_variant<op::requantize>(GetParam(), "", [&](const auto &fn) {
        EXPECT_NE(fn(in, mb, sb, 0, 10, -10, out), 0) << "lo > hi must be an error";
    });
}

INSTANTIATE_TEST_SUITE_P(Kernels, Requantize, testing::ValuesIn(kernel_sets()), set_name);

}  // namespace
}  // namespace mobiq::test
