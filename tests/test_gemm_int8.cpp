// gemm_int8 against the direct-sum reference, for every quantization scheme of
// docs/arithmetic.md, per family, bit-exact.
#include <cmath>
#include <random>

#include "amx_rhs.h"
#include "gemm_shapes.h"
#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/cpu_level.h"
#include "mobiq/kernel_errors.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

struct Scheme {
    bool asym_activations;
    bool asym_weights;
    bool per_channel;
    bool requantize;
    bool relu = false;
    int32_t force_za = 999, force_zw = 999;  // 999: random
    int a_lo = -128, a_hi = 127;              // activation value range
    // 7-bit weights (the weights7 rows, decision 55): symmetric weights in
    // [-64, 63], every variant with weights7=true; extremes: only -64 and 63.
    bool weights7 = false, w_extremes = false;
};

class GemmInt8 : public testing::TestWithParam<KernelSet> {
protected:
    void run(const GemmShape &sh, const Scheme &sc, uint32_t seed) {
        SCOPED_TRACE(sh.str());
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int m = sh.m, n = sh.n, k = sh.k;

        const int32_t za = sc.force_za != 999 ? sc.force_za : (sc.asym_activations ? uni(-128, 127) : 0);
        std::vector<int32_t> zw(sc.per_channel ? n : 1, 0);
        for (auto &z : zw) z = sc.force_zw != 999 ? sc.force_zw : (sc.asym_weights ? uni(-128, 127) : 0);
        std::vector<int8_t> a(static_cast<size_t>(m) * k), w(static_cast<size_t>(n) * k);
        for (auto &v : a) v = static_cast<int8_t>(uni(sc.a_lo, sc.a_hi));
        for (auto &v : w)
            v = static_cast<int8_t>(sc.asym_weights ? uni(-128, 127)
                                    : sc.w_extremes ? (uni(0, 1) ? 63 : -64)
                                    : sc.weights7   ? uni(-64, 63)
                                                    : uni(-127, 127));
        std::vector<int32_t> bias(n);
        for (auto &b : bias) b = uni(-60000, 60000);

        ref::Requantization rq;
        std::uniform_real_distribution<double> scale(std::log(2e-5), std::log(2e-2));
        for (int j = 0; j < (sc.per_channel ? n : 1); j++) {
            int32_t mult;
            int shift;
            ref::quantize_multiplier(std::exp(scale(rng)), &mult, &shift);
            rq.multiplier.push_back(mult);
            rq.shift.push_back(shift);
        }
        rq.output_zero_point = sc.asym_activations ? uni(-128, 127) : 0;
        rq.output_min = sc.relu ? rq.output_zero_point : -128;
        rq.output_max = 127;

        // Kernel operands: A padded to K multiple of 4 with arbitrary values (padding must not matter).
        PackedGemmInt8Weights packed;
        ASSERT_TRUE(pack_gemm_int8_weights(w.data(), k, n, zw.data(), static_cast<int>(zw.size()), &packed).is_ok());
        const int kp = packed.k_padded;
        Buffer<int8_t> lhs(kp, m);
        for (int i = 0; i < m; i++)
            for (int kk = 0; kk < kp; kk++)
                lhs(kk, i) = kk < k ? a[static_cast<size_t>(i) * k + kk] : static_cast<int8_t>(uni(-128, 127));
        std::vector<int8_t> rhs_data = packed.data;
        std::vector<int32_t> colsum = packed.column_sum;
        Buffer<int8_t> rhs(rhs_data.data(), 4, n, kp / 4);
        Buffer<int32_t> colsum_b(colsum.data(), n);
        // Per-layer parameters are broadcast to N entries: the kernel reads one per column.
        auto per_column = [n](const std::vector<int32_t> &v) {
            Buffer<int32_t> b(n);
            for (int j = 0; j < n; j++) b(j) = v.size() == 1 ? v[0] : v[j];
            return b;
        };
        Buffer<int32_t> zw_b = per_column(zw), bias_b = per_column(bias), mult_b = per_column(rq.multiplier),
                        shift_b = per_column(rq.shift);
        for (auto *b : {&colsum_b, &zw_b, &bias_b, &mult_b, &shift_b}) host_dirty(*b);
        host_dirty(lhs);
        host_dirty(rhs);

        const auto want_acc = ref::gemm_int8_acc(a, za, w, zw, bias, m, n, k);
        const std::string variant = std::string("weight_zero_point=") + (sc.asym_weights ? "true" : "false") +
                                    ",requantize=" + (sc.requantize ? "true" : "false") +
                                    (sc.weights7 ? ",weights7=true" : "");
        // Every registered variant of this scheme (arm_dot ones included), bit-exact.
        for_each_variant<op::gemm_int8>(GetParam(), variant.c_str(), [&](const auto &gemm) {
            rq.fp32 = fp32_requantization(gemm);
            int mismatches = 0;
            auto report = [&](int i, int j, int got, int want) {
                if (mismatches++ < 5) ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): got " << got << ", want " << want;
            };
            if (sc.requantize) {
                Buffer<int8_t> out(n, m);
                ASSERT_EQ(gemm(lhs, za, rhs, colsum_b, zw_b, bias_b, mult_b, shift_b, rq.output_zero_point,
                               rq.output_min, rq.output_max, out),
                          0);
                to_host(out);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        const int want = rq.apply(want_acc[static_cast<size_t>(i) * n + j], j);
                        if (out(j, i) != want) report(i, j, out(j, i), want);
                    }
            } else {
                Buffer<int32_t> out(n, m);
                ASSERT_EQ(gemm(lhs, za, rhs, colsum_b, zw_b, bias_b, mult_b, shift_b, 0, -128, 127, out), 0);
                to_host(out);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++) {
                        const int want = want_acc[static_cast<size_t>(i) * n + j];
                        if (out(j, i) != want) report(i, j, out(j, i), want);
                    }
            }
            EXPECT_EQ(mismatches, 0);
        });
    }

    void run_all(const Scheme &sc, uint32_t seed) {
        for (const auto &sh : edge_gemm_shapes()) run(sh, sc, seed++);
        for (const auto &sh : resnet50_gemm_shapes()) run(sh, sc, seed++);
    }
};

// Activations sym/asym x weights sym/asym x per-layer/per-channel, requantized to int8.
TEST_P(GemmInt8, Int8SymPerLayer) { run_all({false, false, false, true}, 100); }
TEST_P(GemmInt8, Int8SymPerChannel) { run_all({false, false, true, true}, 200); }
TEST_P(GemmInt8, Int8AsymActSymWeightsPerChannel) { run_all({true, false, true, true}, 300); }
TEST_P(GemmInt8, Int8AsymPerLayer) { run_all({true, true, false, true}, 400); }
TEST_P(GemmInt8, Int8AsymPerChannel) { run_all({true, true, true, true}, 500); }
// The weights7 rows (x86: pmaddubsw pair sums) on 7-bit weights: random, and
// only the extremes against activations near 127 (a + 128 near 255: the pair
// sums closest to int16's limits, 2 x 255 x -64 = -32640).
TEST_P(GemmInt8, Weights7SymPerChannel) {
    if (kernels_with<op::gemm_int8>(GetParam(), "weights7=true").empty())
        GTEST_SKIP() << "no weights7 kernels on " << GetParam().name << " (x86 CPU sets only)";
    Scheme s{true, false, true, true};
    s.weights7 = true;
    run_all(s, 700);
}
TEST_P(GemmInt8, Weights7Extremes) {
    if (kernels_with<op::gemm_int8>(GetParam(), "weights7=true").empty())
        GTEST_SKIP() << "no weights7 kernels on " << GetParam().name << " (x86 CPU sets only)";
    Scheme s{true, false, true, true};
    s.weights7 = s.w_extremes = true;
    s.a_lo = 120;
    run_all(s, 800);
}
TEST_P(GemmInt8, Int8AsymPerChannelRelu) {
    Scheme s{true, true, true, true};
    s.relu = true;
    run_all(s, 600);
}
// The raw int32 accumulators (no requantization) in both weight variants.
TEST_P(GemmInt8, Int32SymPerChannel) { run_all({true, false, true, false}, 700); }
TEST_P(GemmInt8, Int32AsymPerChannel) { run_all({true, true, true, false}, 800); }

// Extreme zero points and saturating data: every product at its largest magnitude.
TEST_P(GemmInt8, ExtremeZeroPoints) {
    for (int32_t za : {-128, 127})
        for (int32_t zw : {-128, 127}) {
            Scheme s{true, true, true, false};
            s.force_za = za;
            s.force_zw = zw;
            s.a_lo = s.a_hi = za == -128 ? 127 : -128;
            SCOPED_TRACE("za=" + std::to_string(za) + " zw=" + std::to_string(zw));
            run({7, 33, 4608}, s, 900 + za + zw);
            run({49, 64, 147}, s, 901 + za + zw);
        }
}

TEST_P(GemmInt8, RequantizedSaturates) {
    // Large accumulators with the largest scales push outputs to both int8 limits.
    Scheme s{false, false, true, true};
    s.a_lo = 100;
    s.a_hi = 127;
    run({16, 64, 512}, s, 1000);
}

// Symmetric weights with activations at both int8 extremes over a deep K (the
// arm_dot variants' largest dot products).
TEST_P(GemmInt8, ExtremeValuesSymWeights) {
    for (int v : {-128, 127}) {
        Scheme s{false, false, true, true};
        s.a_lo = s.a_hi = v;
        run({7, 33, 4608}, s, 1400 + v);
    }
}

TEST_P(GemmInt8, RejectsMismatchedK) {
    Buffer<int8_t> lhs(8, 4), rhs(4, 16, 3);
    Buffer<int32_t> v(16), out(16, 4);
    lhs.fill(1);
    rhs.fill(1);
    v.fill(0);
    host_dirty(lhs);
    host_dirty(rhs);
    host_dirty(v);
    for_each_variant<op::gemm_int8>(GetParam(), "requantize=false", [&](const auto &gemm) {
        EXPECT_NE(gemm(lhs, 0, rhs, v, v, v, v, v, 0, -128, 127, out), 0)
            << "K = 8 against 3 packed groups must be an error, not a result";
    });
}

INSTANTIATE_TEST_SUITE_P(Kernels, GemmInt8, testing::ValuesIn(kernel_sets()), set_name);

// (N, K) weights with distinct-looking values and their gemm_int8 packing.
std::vector<int8_t> patterned_weights(int k, int n, PackedGemmInt8Weights *packed) {
    std::vector<int8_t> w(size_t(n) * k);
    for (size_t i = 0; i < w.size(); i++) w[i] = static_cast<int8_t>(i * 37 + 11);
    EXPECT_TRUE(pack_gemm_int8_weights(w.data(), k, n, nullptr, 0, packed).is_ok());
    return w;
}

// The tile packing of the amx_tiles variants against its stated formula
// (mobiq/gemm_weights.h), and its errors; runs everywhere (plain C++).
TEST(PackGemmInt8AmxTiles, LayoutAndErrors) {
    const int k = 128, n = 48;
    PackedGemmInt8Weights packed;
    const std::vector<int8_t> w = patterned_weights(k, n, &packed);
    std::vector<int8_t> tiles;
    ASSERT_TRUE(pack_gemm_int8_amx_tiles(packed.data.data(), k, n, &tiles).is_ok());
    ASSERT_EQ(tiles.size(), w.size());
    int bad = 0;
    for (int t = 0; t < n / 16; t++)
        for (int j = 0; j < k / 64; j++)
            for (int r = 0; r < 16; r++)
                for (int c = 0; c < 16; c++)
                    for (int i = 0; i < 4; i++)
                        bad += tiles[((size_t(t) * (k / 64) + j) * 16 + r) * 64 + c * 4 + i] !=
                               w[size_t(16 * t + c) * k + 64 * j + 4 * r + i];
    EXPECT_EQ(bad, 0);
    EXPECT_FALSE(pack_gemm_int8_amx_tiles(packed.data.data(), 96, n, &tiles).is_ok()) << "K % 64 != 0";
    EXPECT_FALSE(pack_gemm_int8_amx_tiles(packed.data.data(), k, 40, &tiles).is_ok()) << "N % 16 != 0";
    EXPECT_FALSE(pack_gemm_int8_amx_tiles(nullptr, k, n, &tiles).is_ok());
}

// The kernel-row packing of conv2d_int8_implicit's amx_kernel_rows variant
// against its stated formula (mobiq/gemm_weights.h): the stem's 7 x 28-byte
// rows, and 3 x 3 over 64 channels (three 64-byte tiles per kernel row).
TEST(PackGemmInt8AmxKernelRows, LayoutAndErrors) {
    struct Geo {
        int c, kw, kh;
    };
    for (const Geo g : {Geo{4, 7, 7}, Geo{64, 3, 3}, Geo{32, 1, 1}}) {
        SCOPED_TRACE("C=" + std::to_string(g.c) + " KW=" + std::to_string(g.kw));
        const AmxKernelRowTiles t = amx_kernel_row_tiles(g.c, g.kw);
        const int k = g.c * g.kw * g.kh, n = 32, row = g.c * g.kw, k_bytes = t.k_bytes, per_row = t.per_row;
        PackedGemmInt8Weights packed;
        const std::vector<int8_t> w = patterned_weights(k, n, &packed);
        std::vector<int8_t> tiles;
        ASSERT_TRUE(
            pack_gemm_int8_amx_kernel_rows(packed.data.data(), packed.k_padded, n, g.c, g.kw, g.kh, &tiles).is_ok());
        ASSERT_EQ(tiles.size(), size_t(n) * g.kh * per_row * k_bytes);
        int bad = 0;
        for (int t = 0; t < n / 16; t++)
            for (int ky = 0; ky < g.kh; ky++)
                for (int q = 0; q < per_row; q++)
                    for (int r = 0; r < k_bytes / 4; r++)
                        for (int col = 0; col < 16; col++)
                            for (int i = 0; i < 4; i++)
                                bad += tiles[((size_t(t) * g.kh * per_row + per_row * ky + q) * (k_bytes / 4) + r) * 64 +
                                             col * 4 + i] != w[size_t(16 * t + col) * k + row * ky + 64 * q + 4 * r + i];
        EXPECT_EQ(bad, 0);
    }
    PackedGemmInt8Weights packed;
    patterned_weights(288, 32, &packed);
    std::vector<int8_t> tiles;
    EXPECT_FALSE(pack_gemm_int8_amx_kernel_rows(packed.data.data(), 288, 32, 32, 3, 3, &tiles).is_ok())
        << "96-byte kernel rows";
    EXPECT_FALSE(pack_gemm_int8_amx_kernel_rows(packed.data.data(), 288, 40, 32, 3, 3, &tiles).is_ok()) << "N % 16";
    EXPECT_FALSE(pack_gemm_int8_amx_kernel_rows(packed.data.data(), 100, 32, 4, 7, 7, &tiles).is_ok()) << "K too small";
    EXPECT_FALSE(pack_gemm_int8_amx_kernel_rows(nullptr, 288, 32, 4, 3, 3, &tiles).is_ok());
}

// The chunks (256 columns: fully connected layers; 64: conv GEMMs of few
// rows) against their formula, with and without a narrower last chunk.
TEST(PackGemmInt8Chunks, LayoutAndErrors) {
    const int k = 12;
    for (int n : {512, 1000, 200}) {
        PackedGemmInt8Weights packed;
        const std::vector<int8_t> w = patterned_weights(k, n, &packed);
        for (int width : {256, 64}) {
            LargeVector<int8_t> chunks;
            ASSERT_TRUE(pack_gemm_int8_chunks(packed.data.data(), k, n, width, &chunks).is_ok());
            ASSERT_EQ(chunks.size(), size_t(k) * n);
            int bad = 0;
            for (int t = 0; t * width < n; t++) {
                const int cols = std::min(width, n - t * width);
                for (int g = 0; g < k / 4; g++)
                    for (int c = 0; c < cols; c++)
                        for (int i = 0; i < 4; i++)
                            bad += chunks[size_t(t) * width * k + (size_t(g) * cols + c) * 4 + i] !=
                                   w[size_t(width * t + c) * k + 4 * g + i];
            }
            EXPECT_EQ(bad, 0) << n << " columns in chunks of " << width;
        }
    }
    PackedGemmInt8Weights packed;
    patterned_weights(k, 512, &packed);
    LargeVector<int8_t> chunks;
    EXPECT_FALSE(pack_gemm_int8_chunks(packed.data.data(), k, 512, 24, &chunks).is_ok()) << "width % 16 != 0";
    EXPECT_FALSE(pack_gemm_int8_chunks(packed.data.data(), 10, 512, 256, &chunks).is_ok()) << "K % 4 != 0";
    EXPECT_FALSE(pack_gemm_int8_chunks(packed.data.data(), k, 0, 256, &chunks).is_ok()) << "no columns";
}

#if defined(MOBIQ_CPU_FAMILY_X86)
// The AMX op (x86, Sapphire Rapids and later): its shapes (K % 64 == 0,
// N % 16 == 0; M >= 16 for the one-tile kernel, any M for amx_tiles), every scheme it serves (symmetric weights),
// bit-exact against the same reference as gemm_int8.
template <typename K>
void check_amx(const K &gemm);

TEST(GemmInt8Amx, ResNetShapesBitExact) {
    if (!mobiq::amx_usable())
        GTEST_SKIP() << "this CPU or OS has no usable AMX-INT8 (amx_int8 in /proc/cpuinfo and arch_prctl "
                        "ARCH_REQ_XCOMP_PERM): the AMX kernel is built (its assembly has tdpbssd) but not run";
    const KernelSet &set = cpu_kernel_set();
    for_each_variant<op::gemm_int8_amx>(set, "amx=true,requantize=true,weight_zero_point=false",
                                        [&](const auto &gemm) { check_amx(gemm); });
}

template <typename K>
void check_amx(const K &gemm) {
    std::mt19937 rng(5);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    for (const GemmShape &sh : {GemmShape{784, 128, 1152}, GemmShape{49, 512, 4608}, GemmShape{196, 256, 2304},
                                GemmShape{3136, 64, 64}, GemmShape{17, 16, 64}, GemmShape{50, 2048, 512},
                                GemmShape{33, 80, 128},   // N = 80: the last 64-column block overlaps
                                // amx_tiles: under 16 rows (tiles of fewer rows); few rows and many
                                // columns (column blocks over the threads); over 256 rows at N = 256.
                                GemmShape{8, 256, 128}, GemmShape{12, 32, 64}, GemmShape{300, 256, 64}}) {
        SCOPED_TRACE(sh.str());
        const int m = sh.m, n = sh.n, k = sh.k;
        std::vector<int8_t> a(size_t(m) * k), w(size_t(n) * k);
        for (auto &v : a) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : w) v = static_cast<int8_t>(uni(-127, 127));
        const int32_t za = uni(-128, 127);
        std::vector<int32_t> zw(n, 0), bias(n);
        for (auto &b : bias) b = uni(-60000, 60000);
        ref::Requantization rq;
        for (int j = 0; j < n; j++) {
            int32_t mult;
            int shift;
            ref::quantize_multiplier(std::exp(std::uniform_real_distribution<double>(std::log(2e-5), std::log(2e-2))(rng)),
                                     &mult, &shift);
            rq.multiplier.push_back(mult);
            rq.shift.push_back(shift);
        }
        rq.output_zero_point = uni(-128, 127);
        rq.output_min = rq.output_zero_point;  // ReLU
        rq.fp32 = fp32_requantization(gemm);
        PackedGemmInt8Weights packed;
        ASSERT_TRUE(pack_gemm_int8_weights(w.data(), k, n, zw.data(), n, &packed).is_ok());
        std::vector<int8_t> rhs_bytes;
        Buffer<int8_t> lhs(a.data(), k, m), rhs = amx_rhs(gemm, packed, &rhs_bytes), out(n, m);
        std::vector<int32_t> colsum = packed.column_sum, mult = rq.multiplier, shift = rq.shift;
        Buffer<int32_t> cb(colsum.data(), n), zb(zw.data(), n), bb(bias.data(), n), mb(mult.data(), n), sb(shift.data(), n);
        if (!amx_tiles(gemm) && m < 16) {  // Halide's one-tile kernel needs 16 rows: an error, not a result
            EXPECT_NE(gemm(lhs, za, rhs, cb, zb, bb, mb, sb, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            continue;
        }
        ASSERT_EQ(gemm(lhs, za, rhs, cb, zb, bb, mb, sb, rq.output_zero_point, rq.output_min, rq.output_max, out), 0)
            << take_last_kernel_error();
        const auto want = ref::gemm_int8_acc(a, za, w, zw, bias, m, n, k);
        int bad = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) {
                const int e = rq.apply(want[size_t(i) * n + j], j);
                if (out(j, i) != e && bad++ < 5) ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): got " << int(out(j, i)) << ", want " << e;
            }
        EXPECT_EQ(bad, 0);
    }
    // Shapes it does not take are errors, not results.
    Buffer<int8_t> lhs(60, 32), rhs = amx_tiles(gemm) ? Buffer<int8_t>(1024, 1, 1) : Buffer<int8_t>(4, 16, 15), out(16, 32);
    Buffer<int32_t> v(16);
    lhs.fill(1);
    rhs.fill(1);
    v.fill(0);
    EXPECT_NE(gemm(lhs, 0, rhs, v, v, v, v, v, 0, -128, 127, out), 0) << "K = 60 is not a multiple of 64";
}

// The int32-output AMX variants (Winograd int6w4's tap GEMMs; serial or not):
// the accumulator plus bias - za * colsum, bit-exact, on the tap GEMMs' shapes.
TEST(GemmInt8Amx, Int32OutputsBitExact) {
    if (!mobiq::amx_usable())
        GTEST_SKIP() << "this CPU or OS has no usable AMX-INT8: the AMX kernels are built (tdpbssd) but not run";
    std::mt19937 rng(6);
    auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
    int ran = 0;
    for_each_variant<op::gemm_int8_amx>(cpu_kernel_set(), "amx=true,requantize=false,weight_zero_point=false",
                                        [&](const auto &gemm) {
        ran++;
        for (const GemmShape &sh : {GemmShape{3136, 64, 64}, GemmShape{196, 512, 512}, GemmShape{17, 16, 64},
                                    GemmShape{224, 128, 128}, GemmShape{33, 80, 128}}) {
            SCOPED_TRACE(sh.str());
            const int m = sh.m, n = sh.n, k = sh.k;
            std::vector<int8_t> a(size_t(m) * k), w(size_t(n) * k);
            for (auto &v : a) v = static_cast<int8_t>(uni(-128, 127));
            for (auto &v : w) v = static_cast<int8_t>(uni(-127, 127));
            const int32_t za = uni(-128, 127);
            std::vector<int32_t> zw(n, 0), bias(n), ones(n, 0);
            for (auto &b : bias) b = uni(-60000, 60000);
            PackedGemmInt8Weights packed;
            ASSERT_TRUE(pack_gemm_int8_weights(w.data(), k, n, zw.data(), n, &packed).is_ok());
            std::vector<int8_t> rhs_bytes;
            Buffer<int8_t> lhs(a.data(), k, m), rhs = amx_rhs(gemm, packed, &rhs_bytes);
            Buffer<int32_t> out(n, m), cb(packed.column_sum.data(), n), zb(zw.data(), n), bb(bias.data(), n),
                unused(ones.data(), n);
            ASSERT_EQ(gemm(lhs, za, rhs, cb, zb, bb, unused, unused, 0, -128, 127, out), 0) << take_last_kernel_error();
            const auto want = ref::gemm_int8_acc(a, za, w, zw, bias, m, n, k);
            int bad = 0;
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    if (out(j, i) != want[size_t(i) * n + j] && bad++ < 5)
                        ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): got " << out(j, i) << ", want "
                                      << want[size_t(i) * n + j];
            EXPECT_EQ(bad, 0);
        }
    });
    EXPECT_GE(ran, 4) << "the int32 AMX variants (plain and serial, one-tile and 2 x 2 tiles)";
}
#endif


}  // namespace
}  // namespace mobiq::test
