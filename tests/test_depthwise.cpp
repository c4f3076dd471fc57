// Depthwise convolutions (MobileNet-v1's layers, test-sized, and edge cases)
// and the batch-normalization layers (the same kernels with 1 x 1 taps)
// against the scalar references, per family: int8 bit-exact, fp32 within
// the tolerance of docs/arithmetic.md. Weights per channel, symmetric and
// asymmetric.
#include <cmath>
#include <limits>
#include <random>

#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "network_layers.h"
#include "padded_input.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

const std::vector<ref::ConvShape> &edge_depthwise_shapes() {
    static const std::vector<ref::ConvShape> s = {
        {1, 1, 1, 1, 3, 3, 1, 1}, {5, 3, 3, 3, 3, 3, 1, 1}, {9, 9, 17, 17, 3, 3, 2, 1},
        {6, 7, 40, 40, 3, 3, 2, 0}, {4, 4, 33, 33, 1, 1, 1, 0}, {5, 6, 40, 40, 3, 3, 1, 1}, {2, 2, 64, 64, 3, 3, 1, 1},
        {8, 8, 48, 48, 3, 3, 2, 1},
    };
    return s;
}

ref::ConvShape depthwise_test_sized(ref::ConvShape s) {
    const int out = std::min(s.out_h(), 12);
    s.h = s.w = std::max(1, (out - 1) * s.stride + s.kh - 2 * s.pad);
    return s;
}

class Depthwise : public testing::TestWithParam<KernelSet> {
protected:
    // Every variant of op Op for window k x k (kernel_size=1: the batch-norm layers; absent: 3 x 3).
    template <typename Op, typename Body>
    void for_each_kernel_size(int k, Body body) {
        int ran = 0;
        for (const auto &fn : kernels_with<Op>(GetParam())) {
            if (fn.row->param("kernel_size") != (k == 3 ? "" : std::to_string(k))) continue;
            SCOPED_TRACE(std::string(fn.row->name) + " [" + fn.row->variant + "]");
            body(fn);
            ran++;
        }
        EXPECT_GT(ran, 0) << "no " << Op::name << " kernel for " << k << "x" << k << " on " << GetParam().name;
    }

    // extremes: inputs only -128 / 127 and weights only -127 / 127, so that two taps' int16 products
    // reach the symmetric_weights=true variant's bound (|x w + x' w'| = 32512).
    void run_int8(const ref::ConvShape &s, bool asym_weights, uint32_t seed, bool extremes = false) {
        SCOPED_TRACE("H=" + std::to_string(s.h) + " C=" + std::to_string(s.cin) + " k=" + std::to_string(s.kh) +
                     " s=" + std::to_string(s.stride) + " p=" + std::to_string(s.pad));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int C = s.cin, k = s.kh, OH = s.out_h(), OW = s.out_w();
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(k) * k * C);
        for (auto &v : x) v = static_cast<int8_t>(extremes ? (uni(0, 3) ? -128 : 127) : uni(-128, 127));
        for (auto &v : w)
            v = static_cast<int8_t>(extremes ? (uni(0, 3) ? -127 : 127) : asym_weights ? uni(-128, 127) : uni(-127, 127));
        const int32_t zx = uni(-128, 127);
        std::vector<int32_t> zw(C), bias(C);
        for (auto &z : zw) z = asym_weights ? uni(-128, 127) : 0;
        for (auto &b : bias) b = uni(-30000, 30000);
        ref::Requantization rq;
        for (int c = 0; c < C; c++) {
            int32_t m;
            int sh;
            ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(1e-4), std::log(0.3))(rng)), &m, &sh);
            rq.multiplier.push_back(m);
            rq.shift.push_back(sh);
        }
        rq.output_zero_point = uni(-128, 0);
        rq.output_min = rq.output_zero_point;
        rq.output_max = std::min(127, rq.output_zero_point + 100);  // ReLU6-like bound
        const auto want = ref::depthwise_int8_acc(x, zx, w, zw, bias, s);
        Buffer<int8_t> in = padded_input(x, s, static_cast<int8_t>(zx)), wb(w.data(), C, k, k), out(C, OW, OH, 1);
        Buffer<int32_t> zwb(zw.data(), C), bb(bias.data(), C), mb(rq.multiplier.data(), C), sb(rq.shift.data(), C);
        for (auto *b : {&zwb, &bb, &mb, &sb}) host_dirty(*b);
        host_dirty(in);
        host_dirty(wb);
        for_each_kernel_size<op::depthwise_conv2d_int8>(k, [&](const auto &fn) {
            // The symmetric_weights=true variants take symmetric weights in [-127, 127] only (their
            // contract; the runtime chooses them by the weights' values): not these.
            if (asym_weights && fn.row->param("symmetric_weights") == "true") return;
            rq.fp32 = fp32_requantization(fn);
            ASSERT_EQ(fn(in, zx, wb, zwb, bb, mb, sb, rq.output_zero_point, rq.output_min, rq.output_max, s.stride,
                         s.stride, out),
                      0);
            to_host(out);
            int bad = 0;
            for (int oy = 0; oy < OH; oy++)
                for (int ox = 0; ox < OW; ox++)
                    for (int c = 0; c < C; c++) {
                        const int e = rq.apply(want[(static_cast<size_t>(oy) * OW + ox) * C + c], c);
                        if (out(c, ox, oy, 0) != e && bad++ < 5)
                            ADD_FAILURE() << "at (c=" << c << ", x=" << ox << ", y=" << oy << "): got "
                                          << int(out(c, ox, oy, 0)) << ", want " << e;
                    }
            EXPECT_EQ(bad, 0);
        });
    }

    void run_fp32(const ref::ConvShape &s, uint32_t seed) {
        SCOPED_TRACE("H=" + std::to_string(s.h) + " C=" + std::to_string(s.cin) + " k=" + std::to_string(s.kh) +
                     " s=" + std::to_string(s.stride));
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const int C = s.cin, k = s.kh, OH = s.out_h(), OW = s.out_w();
        std::vector<float> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(k) * k * C), bias(C);
        for (auto &v : x) v = d(rng);
        for (auto &v : w) v = d(rng) / 3.0f;
        for (auto &v : bias) v = d(rng);
        const float lo = -std::numeric_limits<float>::infinity(), hi = 6.0f;
        const auto want = ref::depthwise_fp32(x, w, bias, lo, hi, s);
        Buffer<float> in = padded_input(x, s, 0.0f), wb(w.data(), C, k, k), bb(bias.data(), C), out(C, OW, OH, 1);
        host_dirty(in);
        host_dirty(wb);
        host_dirty(bb);
        // pads_input=true reads the image itself, placed in the padded frame (mins = the padding).
        Buffer<float> image(x.data(), C, s.w, s.h, 1);
        image.translate({0, s.pad, s.pad, 0});
        host_dirty(image);
        for_each_kernel_size<op::depthwise_conv2d_fp32>(k, [&](const auto &fn) {
            out.fill(std::numeric_limits<float>::quiet_NaN());
            host_dirty(out);
            Buffer<float> &input = fn.row->param("pads_input") == "true" ? image : in;
            ASSERT_EQ(fn(input, wb, bb, lo, hi, s.stride, s.stride, out), 0);
            to_host(out);
            const double tol = fn.row->contract == NumericContract::kExact ? 0.0 : 1e-5 * 16;
            int bad = 0;
            for (size_t i = 0; i < want.size(); i++) {
                const int c = static_cast<int>(i % C), ox = static_cast<int>((i / C) % OW),
                          oy = static_cast<int>(i / C / OW);
                if (std::fabs(out(c, ox, oy, 0) - want[i]) > tol && bad++ < 5)
                    ADD_FAILURE() << "at " << i << ": got " << out(c, ox, oy, 0) << ", want " << want[i];
            }
            EXPECT_EQ(bad, 0);
        });
    }
};

TEST_P(Depthwise, Int8MobileNetLayers) {
    uint32_t seed = 1;
    for (const auto &s : mobilenet_depthwise_layers()) run_int8(depthwise_test_sized(s), false, seed++);
}
TEST_P(Depthwise, Int8AsymWeightsAndEdges) {
    uint32_t seed = 50;
    for (const auto &s : edge_depthwise_shapes()) run_int8(s, true, seed++);
    run_int8(depthwise_test_sized(mobilenet_depthwise_layers()[3]), true, seed++);
}
// The edge shapes with symmetric weights: the symmetric_weights=true variants
// on 1, 3, 17, 33, 40 and 48 channels (their vectors' tails) and odd sizes.
TEST_P(Depthwise, Int8SymmetricEdges) {
    uint32_t seed = 70;
    for (const auto &s : edge_depthwise_shapes()) run_int8(s, false, seed++);
}
TEST_P(Depthwise, Fp32MobileNetLayersAndEdges) {
    uint32_t seed = 100;
    for (const auto &s : mobilenet_depthwise_layers()) run_fp32(depthwise_test_sized(s), seed++);
    for (const auto &s : edge_depthwise_shapes()) run_fp32(s, seed++);
}
// Symmetric weights at the int16-pair bound (every variant; the pair variants' worst case).
TEST_P(Depthwise, Int8SymmetricExtremes) {
    uint32_t seed = 400;
    for (const auto &s : std::vector<ref::ConvShape>{{10, 10, 64, 64, 3, 3, 1, 1}, {9, 11, 40, 40, 3, 3, 2, 1},
                                                     {8, 8, 48, 48, 5, 5, 1, 2}})
        run_int8(s, false, seed++, true);
}
// 5 x 5 windows (EfficientNet-Lite0: stride 1 and 2, padding 2), test-sized spatially.
TEST_P(Depthwise, FiveByFiveLayers) {
    uint32_t seed = 300;
    for (const auto &s : std::vector<ref::ConvShape>{{14, 14, 240, 240, 5, 5, 1, 2}, {15, 15, 144, 144, 5, 5, 2, 2},
                                                     {7, 7, 1152, 1152, 5, 5, 1, 2}, {6, 9, 20, 20, 5, 5, 2, 2}}) {
        run_int8(s, false, seed++);
        run_int8(s, true, seed++);
        run_fp32(s, seed++);
    }
}
// Batch normalization as its own layer: the 1 x 1 depthwise kernels.
TEST_P(Depthwise, BatchNormInt8AndFp32) {
    uint32_t seed = 200;
    for (const auto &s : std::vector<ref::ConvShape>{{56, 56, 64, 64, 1, 1, 1, 0}, {7, 7, 2048, 2048, 1, 1, 1, 0},
                                                     {3, 5, 3, 3, 1, 1, 1, 0}}) {
        run_int8(s, false, seed++);
        run_fp32(s, seed++);
    }
}
TEST_P(Depthwise, RejectsWrongKernelSize) {
    Buffer<int8_t> in(8, 6, 6, 1), w(8, 5, 5), out(8, 4, 4, 1);
    Buffer<int32_t> v(8);
    in.fill(0);
    w.fill(0);
    v.fill(0);
    host_dirty(in);
    host_dirty(w);
    host_dirty(v);
    for_each_kernel_size<op::depthwise_conv2d_int8>(3, [&](const auto &fn) {
        EXPECT_NE(fn(in, 0, w, v, v, v, v, 0, -128, 127, 1, 1, out), 0);
    });
}

INSTANTIATE_TEST_SUITE_P(Kernels, Depthwise, testing::ValuesIn(kernel_sets()), set_name);

}  // namespace
}  // namespace mobiq::test
