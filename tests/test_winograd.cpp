// Winograd F(2x2, 3x3) and F(4x4, 3x3) (generators/winograd*.cpp, gemm_int16)
// against the scalar references, per family:
//  - each transform alone, every domain and tile: int8 / int16 / int bit-exact,
//    the tapwise input bit-exact (one float multiply, then round half to even),
//    float32 and the tapwise output within a rounding bound stated with each;
//  - gemm_int16, bit-exact;
//  - whole convolutions composed from the kernels (input transform, one GEMM
//    per tap, output transform) on the 3x3 stride-1 layers of ResNet50 and
//    VGG16 (test-sized) and edge shapes: int16 and int6w4 bit-exact against
//    the direct convolution, int6w8 bit-exact against its own scalar
//    reference, fp32 within a stated bound, tapwise against the same quantized
//    arithmetic and by its SQNR against the real convolution;
//  - the int6w4 and int6w8 range arguments, exhaustively (host only, no kernels).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "kernel_sets.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/layer_plan.h"
#include "mobiq/winograd_weights.h"
#include "network_layers.h"
#include "reference/reference_kernels.h"

namespace mobiq::test {
namespace {

using Halide::Runtime::Buffer;

constexpr double kUnit = 1.0 / (1 << 24);  // float's unit roundoff, 2^-24
constexpr float kInf = std::numeric_limits<float>::infinity();

// The tiles of an oh x ow output, and the padded input that covers them whole
// (m * tiles + 2 pixels: the runtime's window includes the extra zero-point
// columns / rows an odd size needs).
ref::WinogradGeometry geometry(int m, int channels, int oh, int ow) {
    ref::WinogradGeometry g;
    g.m = m;
    g.channels = channels;
    g.tiles_x = (ow + m - 1) / m;
    g.tiles_y = (oh + m - 1) / m;
    g.wp = m * g.tiles_x + 2;
    g.hp = m * g.tiles_y + 2;
    return g;
}
int tiles(const ref::WinogradGeometry &g) { return g.tiles_x * g.tiles_y; }

// V or M as the kernels hold them, (c_alloc, tiles_x, tiles_y, 1, taps), over `data`.
template <typename T>
Buffer<T> tile_buffer(T *data, const ref::WinogradGeometry &g, int c_alloc) {
    return Buffer<T>(data, c_alloc, g.tiles_x, g.tiles_y, 1, g.taps());
}

// The image (H, W, C) at offset (1, 1) of the padded input (hp, wp, C), `fill` elsewhere.
template <typename T>
std::vector<T> padded_tiles_input(const std::vector<T> &x, const ref::ConvShape &s, const ref::WinogradGeometry &g,
                                  T fill) {
    std::vector<T> p(static_cast<size_t>(g.hp) * g.wp * s.cin, fill);
    for (int y = 0; y < s.h; y++)
        for (int xx = 0; xx < s.w; xx++)
            for (int c = 0; c < s.cin; c++)
                p[(static_cast<size_t>(y + 1) * g.wp + xx + 1) * s.cin + c] = x[(static_cast<size_t>(y) * s.w + xx) * s.cin + c];
    return p;
}

// The kernels read the unpadded image (oh x ow, stride 1 pad 1) and add the
// padding themselves: `fill` (the zero point) outside the image at (1, 1) of
// the padded input the references read, and the view of that image.
template <typename T>
void fill_outside_image(std::vector<T> &xp, const ref::WinogradGeometry &g, int oh, int ow, T fill) {
    for (int y = 0; y < g.hp; y++)
        for (int x = 0; x < g.wp; x++)
            if (y < 1 || y > oh || x < 1 || x > ow)
                for (int c = 0; c < g.channels; c++) xp[(static_cast<size_t>(y) * g.wp + x) * g.channels + c] = fill;
}
template <typename T>
Buffer<T> image_view(std::vector<T> &xp, const ref::WinogradGeometry &g, int oh, int ow) {
    Buffer<T> img = Buffer<T>(xp.data(), g.channels, g.wp, g.hp, 1).cropped(1, 1, ow).cropped(2, 1, oh);
    img.translate(1, -1);
    img.translate(2, -1);
    return img;
}

// Every variant of Op on `set` with `params` (none is an error), as for_each_variant selects them.
template <typename Op>
std::vector<Kernel<Op>> variants(const KernelSet &set, const char *params) {
    std::vector<Kernel<Op>> v;
    for (const auto &k : kernels_with<Op>(set, params))
        if (runs_on(*k.row, set)) v.push_back(k);
    if (v.empty()) ADD_FAILURE() << "no " << Op::name << " kernel with '" << params << "' on " << set.name;
    return v;
}

// The int output transforms of one weight transform: integer (U' = 4U; the
// rows without the parameter) or float (int6w8's, weight_transform=float).
template <typename Op>
std::vector<Kernel<Op>> int_output_variants(const KernelSet &set, bool float_weights) {
    std::vector<Kernel<Op>> v;
    for (const auto &k : variants<Op>(set, "domain=int,tile=2"))
        if ((k.row->param("weight_transform") == "float") == float_weights) v.push_back(k);
    if (v.empty()) ADD_FAILURE() << "no int output transform with weight_transform=" << (float_weights ? "float" : "integer");
    return v;
}

// A whole convolution runs through one variant of each of its three ops: every
// variant of each op once, the others at their first (linear in the variants,
// and a registered variant is covered because it is registered).
template <typename A, typename B, typename C, typename Body>
void for_each_chain(const std::vector<A> &as, const std::vector<B> &bs, const std::vector<C> &cs, Body body) {
    if (as.empty() || bs.empty() || cs.empty()) return;
    auto run = [&](const A &a, const B &b, const C &c) {
        SCOPED_TRACE(std::string(a.row->name) + " -> " + b.row->name + " -> " + c.row->name + " [" + c.row->variant + "]");
        prepare_variant_or_fail(*a.row);
        prepare_variant_or_fail(*b.row);
        prepare_variant_or_fail(*c.row);
        body(a, b, c);
    };
    for (const auto &a : as) run(a, bs[0], cs[0]);
    for (size_t i = 1; i < bs.size(); i++) run(as[0], bs[i], cs[0]);
    for (size_t i = 1; i < cs.size(); i++) run(as[0], bs[0], cs[i]);
}

// Per-channel multipliers of about 8 to 64 output steps per RMS of the
// accumulators (rounding exercised, not only saturation), a zero point and,
// at random, a fused ReLU.
ref::Requantization requantization_for(const std::vector<int32_t> &acc, int n, std::mt19937 &rng) {
    double ss = 0;
    for (int32_t a : acc) ss += static_cast<double>(a) * a;
    const double rms = std::max(1.0, std::sqrt(ss / std::max<size_t>(1, acc.size())));
    std::uniform_real_distribution<double> d(std::log(8 / rms), std::log(64 / rms));
    ref::Requantization rq;
    for (int j = 0; j < n; j++) {
        int32_t mult;
        int shift;
        ref::quantize_multiplier(std::exp(d(rng)), &mult, &shift);
        rq.multiplier.push_back(mult);
        rq.shift.push_back(shift);
    }
    rq.output_zero_point = std::uniform_int_distribution<int>(-20, 20)(rng);
    rq.output_min = std::uniform_int_distribution<int>(0, 1)(rng) ? rq.output_zero_point : -128;
    rq.output_max = 127;
    return rq;
}

// Counts mismatches of a 5-D tile buffer against `want` ((taps, tiles_y, tiles_x, C)), reporting the first 5.
template <typename T, typename W, typename Ok>
void expect_tiles(Buffer<T> &got, const std::vector<W> &want, const ref::WinogradGeometry &g, Ok ok) {
    int bad = 0;
    size_t i = 0;
    for (int t = 0; t < g.taps(); t++)
        for (int ty = 0; ty < g.tiles_y; ty++)
            for (int tx = 0; tx < g.tiles_x; tx++)
                for (int c = 0; c < g.channels; c++, i++) {
                    const T v = got(c, tx, ty, 0, t);
                    if (!ok(v, want[i], i) && bad++ < 5)
                        ADD_FAILURE() << "at (c=" << c << ", tx=" << tx << ", ty=" << ty << ", t=" << t << "): got "
                                      << +v << ", want " << +want[i];
                }
    EXPECT_EQ(bad, 0);
}

// Likewise for an NHWC output (c, x, y, 0) against want ((oh, ow, C)).
template <typename T, typename W, typename Ok>
void expect_output(Buffer<T> &got, const std::vector<W> &want, int oh, int ow, int channels, Ok ok) {
    int bad = 0;
    size_t i = 0;
    for (int y = 0; y < oh; y++)
        for (int x = 0; x < ow; x++)
            for (int c = 0; c < channels; c++, i++) {
                const T v = got(c, x, y, 0);
                if (!ok(v, want[i], i) && bad++ < 5)
                    ADD_FAILURE() << "at (c=" << c << ", x=" << x << ", y=" << y << "): got " << +v << ", want "
                                  << +want[i];
            }
    EXPECT_EQ(bad, 0);
}

// The int8 results a computation within `err` of the real value f may round to
// (the tapwise epilogue is monotonic in f).
bool tapwise_within(int got, double f, double err, int32_t z, int32_t lo, int32_t hi) {
    return got >= ref::winograd_tapwise_output_value(f - err, z, lo, hi) &&
           got <= ref::winograd_tapwise_output_value(f + err, z, lo, hi);
}

struct TransformShape {
    int oh, ow, c;
};
// Odd output sizes (partial tiles), one tile, channel counts below, at and
// above each family's vector (x86: 32 int16 / 16 int32 lanes; arm64: 8 / 4;
// OpenCL: 4 per work-item, 64 per work-group row), not multiples of it.
const std::vector<TransformShape> &transform_shapes() {
    static const std::vector<TransformShape> s = {{7, 7, 4}, {5, 3, 12}, {1, 1, 20}, {7, 7, 64}, {6, 9, 100}, {2, 5, 3}};
    return s;
}
std::string str(const TransformShape &s) {
    return std::to_string(s.oh) + "x" + std::to_string(s.ow) + " C=" + std::to_string(s.c);
}

// 3 x 3, stride 1, pad 1 layers of ResNet50 and VGG16, test-sized.
std::vector<ref::ConvShape> winograd_network_layers() {
    std::vector<ref::ConvShape> v;
    for (const auto &l : network_conv_layers()) {
        const auto &s = l.shape;
        const bool net = l.name.rfind("resnet50_", 0) == 0 || l.name.rfind("vgg16_", 0) == 0;
        if (net && s.kh == 3 && s.kw == 3 && s.stride == 1 && s.pad == 1) v.push_back(test_sized(s, 4e6));
    }
    return v;
}
// Outputs 7x7, 5x3, 1x1, 2x1; input channels not a multiple of 2 or 4 (the GEMMs' K padding), Cout odd.
const std::vector<ref::ConvShape> &edge_winograd_shapes() {
    static const std::vector<ref::ConvShape> s = {
        {7, 7, 4, 3, 3, 3, 1, 1},  {5, 3, 12, 5, 3, 3, 1, 1}, {1, 1, 20, 7, 3, 3, 1, 1}, {3, 5, 3, 17, 3, 3, 1, 1},
        {9, 6, 33, 65, 3, 3, 1, 1}, {2, 1, 5, 1, 3, 3, 1, 1}, {8, 8, 64, 64, 3, 3, 1, 1},
    };
    return s;
}
std::string str(const ref::ConvShape &s) {
    return "H=" + std::to_string(s.h) + " W=" + std::to_string(s.w) + " Cin=" + std::to_string(s.cin) +
           " Cout=" + std::to_string(s.cout);
}

// The per-tap int8 GEMMs (int32 outputs) of V (T, M, ca) against the packed
// per-tap weights, into M (T, M, N), as the runtime runs them.
template <typename Gemm>
void tap_gemms_int8(const Gemm &gemm, std::vector<int8_t> &vd, std::vector<PackedGemmInt8Weights> &packed, int T, int ca,
                    int N, int M, Buffer<int32_t> &zb, std::vector<int32_t> *md) {
    md->assign(static_cast<size_t>(T) * N * M, 0);
    for (int t = 0; t < T; t++) {
        Buffer<int8_t> lhs(vd.data() + static_cast<size_t>(t) * ca * M, ca, M), r(packed[t].data.data(), 4, N, ca / 4);
        Buffer<int32_t> colsum(packed[t].column_sum.data(), N), mt(md->data() + static_cast<size_t>(t) * N * M, N, M);
        host_dirty(lhs);
        host_dirty(r);
        host_dirty(colsum);
        ASSERT_EQ(gemm(lhs, 0, r, colsum, zb, zb, zb, zb, 0, -128, 127, mt), 0);
        to_host(mt);
    }
}

class Winograd : public testing::TestWithParam<KernelSet> {
protected:
    // ---- the transforms alone ----

    // Domains int8 (raw values, saturated) and int16 (zero point subtracted), F(2,3).
    template <typename T>
    void run_input_int(const char *domain, const TransformShape &sh, int lo, int hi, uint32_t seed) {
        SCOPED_TRACE(std::string(domain) + " " + str(sh) + " values [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
        std::mt19937 rng(seed);
        const auto g = geometry(2, sh.c, sh.oh, sh.ow);
        std::vector<int8_t> x(static_cast<size_t>(g.hp) * g.wp * g.channels);
        for (auto &v : x) v = static_cast<int8_t>(std::uniform_int_distribution<int>(lo, hi)(rng));
        const int32_t z = std::uniform_int_distribution<int>(lo, hi)(rng);
        fill_outside_image(x, g, sh.oh, sh.ow, static_cast<int8_t>(z));
        std::vector<T> want;
        if constexpr (sizeof(T) == 1) want = ref::winograd_input_int8(x, g);
        else want = ref::winograd_input_int16(x, z, g);
        Buffer<int8_t> in = image_view(x, g, sh.oh, sh.ow);
        host_dirty(in);
        Buffer<T> out(g.channels, g.tiles_x, g.tiles_y, 1, g.taps());
        for_each_variant<op::winograd_input_transform>(GetParam(), (std::string("tile=2,domain=") + domain).c_str(),
                                                       [&](const auto &fn) {
            ASSERT_EQ(fn(in, z, out), 0);
            to_host(out);
            expect_tiles(out, want, g, [](T a, T b, size_t) { return a == b; });
        });
    }

    void run_input_fp32(int m, const TransformShape &sh, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(sh));
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const auto g = geometry(m, sh.c, sh.oh, sh.ow);
        std::vector<float> x(static_cast<size_t>(g.hp) * g.wp * g.channels);
        for (auto &v : x) v = d(rng);
        fill_outside_image(x, g, sh.oh, sh.ow, 0.0f);
        std::vector<double> mag;
        const auto want = ref::winograd_input_fp32(x, g, &mag);
        Buffer<float> in = image_view(x, g, sh.oh, sh.ow), out(g.channels, g.tiles_x, g.tiles_y, 1, g.taps());
        host_dirty(in);
        for_each_variant<op::winograd_input_transform>(
            GetParam(), ("domain=float32,tile=" + std::to_string(m)).c_str(), [&](const auto &fn) {
                ASSERT_EQ(fn(in, 0, out), 0);
                to_host(out);
                // Each value is 2 (F(2,3)) or at most 10 (F(4,3): a product by 4 or 5
                // and 2 adds per stage, on values already rounded) float roundings,
                // each within u of a partial sum no larger than sum |BT| |d| |BT^T|.
                const double rel = fn.row->contract == NumericContract::kExact ? 0.0 : 16 * kUnit;
                expect_tiles(out, want, g, [&](float a, double b, size_t i) { return std::fabs(a - b) <= rel * mag[i]; });
            });
    }

    void run_input_tapwise(int m, const TransformShape &sh, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(sh));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const auto g = geometry(m, sh.c, sh.oh, sh.ow);
        std::vector<int8_t> x(static_cast<size_t>(g.hp) * g.wp * g.channels);
        for (auto &v : x) v = static_cast<int8_t>(uni(-128, 127));
        const int32_t z = uni(-128, 127);
        fill_outside_image(x, g, sh.oh, sh.ow, static_cast<int8_t>(z));
        // Per tap: 127 over the tap's largest |V|, times 0.5 .. 2 (so some values clamp at +-127).
        const auto exact = ref::winograd_input_exact(x, z, g);
        const size_t per_tap = exact.size() / g.taps();
        std::vector<float> scale(g.taps());
        for (int t = 0; t < g.taps(); t++) {
            int64_t mx = 1;
            for (size_t i = 0; i < per_tap; i++) mx = std::max<int64_t>(mx, std::llabs(exact[t * per_tap + i]));
            scale[t] = static_cast<float>(127.0 / mx * std::exp(std::uniform_real_distribution<double>(-0.7, 0.7)(rng)));
        }
        const auto want = ref::winograd_input_tapwise(x, z, scale, g);
        Buffer<int8_t> in = image_view(x, g, sh.oh, sh.ow), out(g.channels, g.tiles_x, g.tiles_y, 1, g.taps());
        Buffer<float> sb(scale.data(), g.taps());
        host_dirty(in);
        host_dirty(sb);
        for_each_variant<op::winograd_input_transform_tapwise>(GetParam(), ("tile=" + std::to_string(m)).c_str(),
                                                               [&](const auto &fn) {
            ASSERT_EQ(fn(in, z, sb, out), 0);
            to_host(out);
            expect_tiles(out, want, g, [](int8_t a, int8_t b, size_t) { return a == b; });
        });
    }

    // M over the whole int32 range (the sums wrap; the result's low 32 bits are
    // what the kernel keeps) or within +-2^20 (a real layer's range).
    void run_output_int(const TransformShape &sh, bool full_range, uint32_t seed) {
        SCOPED_TRACE(str(sh) + (full_range ? " M: any int32" : " M: +-2^20"));
        std::mt19937 rng(seed);
        const auto g = geometry(2, sh.c, sh.oh, sh.ow);
        const int32_t lim = full_range ? std::numeric_limits<int32_t>::max() : (1 << 20);
        std::vector<int32_t> mv(g.tile_values()), bias(g.channels);
        for (auto &v : mv) v = std::uniform_int_distribution<int32_t>(full_range ? -lim - 1 : -lim, lim)(rng);
        for (auto &b : bias) b = std::uniform_int_distribution<int32_t>(-(1 << 20), 1 << 20)(rng);
        // Both weight transforms: integer (>> 2, then the bias) and float (int6w8: no shift, the bias mod 2^32).
        const std::vector<int32_t> accs[2] = {ref::winograd_output_int_acc(mv, bias, g, sh.oh, sh.ow, false),
                                              ref::winograd_output_int_acc(mv, bias, g, sh.oh, sh.ow, true)};
        ref::Requantization rqs[2] = {requantization_for(accs[0], g.channels, rng),
                                      requantization_for(accs[1], g.channels, rng)};
        Buffer<int32_t> mb = tile_buffer(mv.data(), g, g.channels), bb(bias.data(), g.channels);
        for (auto *b : {&mb, &bb}) host_dirty(*b);
        Buffer<int8_t> out(g.channels, sh.ow, sh.oh, 1);
        for_each_variant<op::winograd_output_transform_int>(GetParam(), "domain=int,tile=2", [&](const auto &fn) {
            const int wf = fn.row->param("weight_transform") == "float";
            const std::vector<int32_t> &acc = accs[wf];
            ref::Requantization &rq = rqs[wf];
            Buffer<int32_t> mult(rq.multiplier.data(), g.channels), shift(rq.shift.data(), g.channels);
            host_dirty(mult);
            host_dirty(shift);
            rq.fp32 = fp32_requantization(fn);
            ASSERT_EQ(fn(mb, bb, mult, shift, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            to_host(out);
            expect_output(out, acc, sh.oh, sh.ow, g.channels,
                          [&](int8_t a, int32_t b, size_t i) { return a == rq.apply(b, static_cast<int>(i % g.channels)); });
        });
    }

    void run_output_fp32(int m, const TransformShape &sh, float lo, float hi, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(sh) + " clamp [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const auto g = geometry(m, sh.c, sh.oh, sh.ow);
        std::vector<float> mv(g.tile_values()), bias(g.channels);
        for (auto &v : mv) v = d(rng);
        for (auto &b : bias) b = d(rng);
        std::vector<double> mag;
        const auto want = ref::winograd_output_fp32(mv, bias, g, sh.oh, sh.ow, &mag);
        Buffer<float> mb = tile_buffer(mv.data(), g, g.channels), bb(bias.data(), g.channels),
                      out(g.channels, sh.ow, sh.oh, 1);
        host_dirty(mb);
        host_dirty(bb);
        for_each_variant<op::winograd_output_transform_fp32>(
            GetParam(), ("domain=float32,tile=" + std::to_string(m)).c_str(), [&](const auto &fn) {
                ASSERT_EQ(fn(mb, bb, lo, hi, out), 0);
                to_host(out);
                // At most 4 + 4 adds (products by 2, 4, 8 are exact) and the bias: 9
                // roundings, each within u of sum |AT| |M| |AT^T| + |bias|; the clamp
                // does not increase a difference.
                const double rel = fn.row->contract == NumericContract::kExact ? 0.0 : 16 * kUnit;
                expect_output(out, want, sh.oh, sh.ow, g.channels, [&](float a, double b, size_t i) {
                    return std::fabs(a - std::min(std::max(b, double(lo)), double(hi))) <= rel * mag[i];
                });
            });
    }

    void run_output_tapwise(int m, const TransformShape &sh, bool relu, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(sh));
        std::mt19937 rng(seed);
        const auto g = geometry(m, sh.c, sh.oh, sh.ow);
        const int C = g.channels;
        std::vector<int32_t> mv(g.tile_values());
        for (auto &v : mv) v = std::uniform_int_distribution<int32_t>(-(1 << 20), 1 << 20)(rng);
        std::vector<float> bias(C), scale(static_cast<size_t>(g.taps()) * C);
        for (auto &b : bias) b = std::uniform_real_distribution<float>(-20, 20)(rng);
        // Scales of a few output steps per unit of M: first relative, then set so that the RMS output is ~60 steps.
        std::vector<double> base(scale.size());
        for (auto &b : base) b = std::exp(std::uniform_real_distribution<double>(-0.5, 0.5)(rng));
        {
            std::vector<float> unit(base.begin(), base.end()), zero(C, 0.0f);
            const auto f = ref::winograd_output_tapwise(mv, unit, zero, g, sh.oh, sh.ow);
            double ss = 0;
            for (double v : f) ss += v * v;
            const double k = 60 / std::max(1e-30, std::sqrt(ss / f.size()));
            for (size_t i = 0; i < scale.size(); i++) scale[i] = static_cast<float>(base[i] * k);
        }
        const int32_t z = std::uniform_int_distribution<int>(-20, 20)(rng), lo = relu ? z : -128, hi = 127;
        std::vector<double> mag;
        const auto want = ref::winograd_output_tapwise(mv, scale, bias, g, sh.oh, sh.ow, &mag);
        Buffer<int32_t> mb = tile_buffer(mv.data(), g, C);
        Buffer<float> sb(scale.data(), C, g.taps()), bb(bias.data(), C);
        host_dirty(mb);
        host_dirty(sb);
        host_dirty(bb);
        Buffer<int8_t> out(C, sh.ow, sh.oh, 1);
        for_each_variant<op::winograd_output_transform_tapwise>(GetParam(), ("tile=" + std::to_string(m)).c_str(),
                                                                [&](const auto &fn) {
            ASSERT_EQ(fn(mb, sb, bb, z, lo, hi, out), 0);
            to_host(out);
            // The float computation: fl(M) (exact below 2^24), the product by the
            // scale, 4 + 4 adds, the bias: at most 11 roundings within u of
            // sum |AT| |M s| |AT^T| + |bias| each, so the result is one of the
            // roundings of a value within 16 u of that magnitude of the exact one.
            expect_output(out, want, sh.oh, sh.ow, C,
                          [&](int8_t a, double f, size_t i) { return tapwise_within(a, f, 16 * kUnit * mag[i], z, lo, hi); });
        });
    }

    // ---- whole convolutions ----

    // int16: B^T (d - z) B in int16, U' = G' g G'^T per tap as (2, N, K/2) int16,
    // gemm_int16, the int output transform with the conv bias: the convolution
    // followed by the requantization, bit for bit.
    void run_int16_conv(const ref::ConvShape &s, uint32_t seed) {
        SCOPED_TRACE(str(s));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int C = s.cin, N = s.cout, OH = s.out_h(), OW = s.out_w();
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(N) * 9 * C);
        for (auto &v : x) v = static_cast<int8_t>(uni(-128, 127));
        for (auto &v : w) v = static_cast<int8_t>(uni(-127, 127));
        const int32_t zx = uni(-128, 127);
        std::vector<int32_t> bias(N);
        for (auto &b : bias) b = uni(-50000, 50000);
        const auto acc = ref::conv2d_int8_acc(x, zx, w, {0}, bias, s);
        ref::Requantization rq = requantization_for(acc, N, rng);

        const auto g = geometry(2, C, OH, OW);
        const int T = g.taps(), M = tiles(g), ca = (C + 1) / 2 * 2;  // gemm_int16: K even
        std::vector<int8_t> xp = padded_tiles_input(x, s, g, static_cast<int8_t>(zx));
        const auto u = winograd_f2x3_weights_int(w.data(), N, C);  // (16, N, C)
        std::vector<int16_t> rhs(static_cast<size_t>(T) * ca * N, 0);  // per tap (2, N, ca / 2), zero padding
        for (int t = 0; t < T; t++)
            for (int n = 0; n < N; n++)
                for (int c = 0; c < C; c++)
                    rhs[static_cast<size_t>(t) * ca * N + (static_cast<size_t>(c / 2) * N + n) * 2 + c % 2] =
                        static_cast<int16_t>(u[(static_cast<size_t>(t) * N + n) * C + c]);
        std::vector<int32_t> zeros(N, 0);
        Buffer<int8_t> in = image_view(xp, g, OH, OW);
        Buffer<int32_t> zb(zeros.data(), N), bb(bias.data(), N), mult(rq.multiplier.data(), N), shift(rq.shift.data(), N);
        for (auto *b : {&zb, &bb, &mult, &shift}) host_dirty(*b);
        host_dirty(in);
        const KernelSet &set = GetParam();
        for_each_chain(variants<op::winograd_input_transform>(set, "domain=int16,tile=2"), variants<op::gemm_int16>(set, ""),
                       int_output_variants<op::winograd_output_transform_int>(set, false),
                       [&](const auto &input, const auto &gemm, const auto &output) {
            std::vector<int16_t> vd(static_cast<size_t>(T) * ca * M);
            for (auto &v : vd) v = static_cast<int16_t>(uni(-32768, 32767));  // the padding channels hold anything
            Buffer<int16_t> v = tile_buffer(vd.data(), g, ca), vc = v.cropped(0, 0, C);
            ASSERT_EQ(input(in, zx, vc), 0);
            to_host(vc);
            std::vector<int32_t> md(static_cast<size_t>(T) * N * M);
            for (int t = 0; t < T; t++) {
                Buffer<int16_t> lhs(vd.data() + static_cast<size_t>(t) * ca * M, ca, M),
                    r(rhs.data() + static_cast<size_t>(t) * ca * N, 2, N, ca / 2);
                Buffer<int32_t> mt(md.data() + static_cast<size_t>(t) * N * M, N, M);
                host_dirty(lhs);
                host_dirty(r);
                ASSERT_EQ(gemm(lhs, r, zb, mt), 0);
                to_host(mt);
            }
            Buffer<int32_t> mb = tile_buffer(md.data(), g, N);
            host_dirty(mb);
            Buffer<int8_t> out(N, OW, OH, 1);
            rq.fp32 = fp32_requantization(output);
            ASSERT_EQ(output(mb, bb, mult, shift, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            to_host(out);
            expect_output(out, acc, OH, OW, N, [&](int8_t a, int32_t b, size_t i) { return a == rq.apply(b, i % N); });
        });
    }

    // int6w4 (the paper's INT6 inputs, INT4 weights): inputs and zero point in
    // [-32, 31], weights in [-7, 7]; B^T d B of the raw values and U' both fit
    // int8 (WinogradRange tests), so gemm_int8 (i32, no zero points, no bias)
    // per tap is exact; the zero point goes into the output bias:
    // bias - zx * sum of the kernel.
    void run_int6w4_conv(const ref::ConvShape &s, uint32_t seed) {
        SCOPED_TRACE(str(s));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int C = s.cin, N = s.cout, OH = s.out_h(), OW = s.out_w();
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(N) * 9 * C);
        for (auto &v : x) v = static_cast<int8_t>(uni(-32, 31));
        for (auto &v : w) v = static_cast<int8_t>(uni(-7, 7));
        const int32_t zx = uni(-32, 31);
        std::vector<int32_t> bias(N), out_bias(N);
        for (auto &b : bias) b = uni(-20000, 20000);
        for (int n = 0; n < N; n++) {
            int32_t sum = 0;
            for (int k = 0; k < 9 * C; k++) sum += w[static_cast<size_t>(n) * 9 * C + k];
            out_bias[n] = bias[n] - zx * sum;
        }
        const auto acc = ref::conv2d_int8_acc(x, zx, w, {0}, bias, s);
        ref::Requantization rq = requantization_for(acc, N, rng);

        const auto g = geometry(2, C, OH, OW);
        const int T = g.taps(), M = tiles(g), ca = gemm_int8_padded_k(C);
        std::vector<int8_t> xp = padded_tiles_input(x, s, g, static_cast<int8_t>(zx));
        const auto u = winograd_f2x3_weights_int(w.data(), N, C);
        std::vector<PackedGemmInt8Weights> packed(T);
        for (int t = 0; t < T; t++) {
            std::vector<int8_t> ut(static_cast<size_t>(N) * C);
            for (size_t i = 0; i < ut.size(); i++) {
                const int32_t v = u[static_cast<size_t>(t) * N * C + i];
                ASSERT_TRUE(v >= -128 && v <= 127) << "U' = " << v << " does not fit int8";
                ut[i] = static_cast<int8_t>(v);
            }
            ASSERT_TRUE(pack_gemm_int8_weights(ut.data(), C, N, nullptr, 0, &packed[t]).is_ok());
        }
        std::vector<int32_t> zeros(N, 0);
        Buffer<int8_t> in = image_view(xp, g, OH, OW);
        Buffer<int32_t> zb(zeros.data(), N), bb(out_bias.data(), N), mult(rq.multiplier.data(), N),
            shift(rq.shift.data(), N);
        for (auto *b : {&zb, &bb, &mult, &shift}) host_dirty(*b);
        host_dirty(in);
        const KernelSet &set = GetParam();
        for_each_chain(variants<op::winograd_input_transform>(set, "domain=int8,tile=2"),
                       variants<op::gemm_int8>(set, "requantize=false,weight_zero_point=false"),
                       int_output_variants<op::winograd_output_transform_int>(set, false),
                       [&](const auto &input, const auto &gemm, const auto &output) {
            std::vector<int8_t> vd(static_cast<size_t>(T) * ca * M);
            for (auto &v : vd) v = static_cast<int8_t>(uni(-128, 127));
            Buffer<int8_t> v = tile_buffer(vd.data(), g, ca), vc = v.cropped(0, 0, C);
            ASSERT_EQ(input(in, zx, vc), 0);
            to_host(vc);
            std::vector<int32_t> md;
            tap_gemms_int8(gemm, vd, packed, T, ca, N, M, zb, &md);
            if (HasFatalFailure()) return;
            Buffer<int32_t> mb = tile_buffer(md.data(), g, N);
            host_dirty(mb);
            Buffer<int8_t> out(N, OW, OH, 1);
            rq.fp32 = fp32_requantization(output);
            ASSERT_EQ(output(mb, bb, mult, shift, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            to_host(out);
            expect_output(out, acc, OH, OW, N, [&](int8_t a, int32_t b, size_t i) { return a == rq.apply(b, i % N); });
        });
    }

    // int6w8 (INT6 inputs, weights transformed in float then int8 per output
    // channel): inputs and zero point in [-32, 31], the transformed weights any
    // int8 in [-127, 127] (what the quantizer's rounding can give), the bias in
    // the accumulator's scale. The kernels' way (V of raw x, the tap GEMMs, the
    // output transform with weight_transform=float and bias - 4 zx sum_c U_5)
    // against ref::winograd_conv_int6w8_acc (the zero point subtracted before
    // the transform), then the requantization: bit for bit.
    void run_int6w8_conv(const ref::ConvShape &s, uint32_t seed) {
        SCOPED_TRACE(str(s));
        std::mt19937 rng(seed);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        const int C = s.cin, N = s.cout, OH = s.out_h(), OW = s.out_w();
        std::vector<int8_t> x(static_cast<size_t>(s.h) * s.w * C), u(static_cast<size_t>(16) * N * C);
        for (auto &v : x) v = static_cast<int8_t>(uni(-32, 31));
        for (auto &v : u) v = static_cast<int8_t>(uni(-127, 127));
        const int32_t zx = uni(-32, 31);
        std::vector<int32_t> bias(N), out_bias(N);
        for (auto &b : bias) b = uni(-20000, 20000);
        for (int n = 0; n < N; n++) {
            int32_t sum = 0;
            for (int c = 0; c < C; c++) sum += u[(static_cast<size_t>(5) * N + n) * C + c];
            out_bias[n] = bias[n] - 4 * zx * sum;
        }
        const auto acc = ref::winograd_conv_int6w8_acc(x, zx, s.h, s.w, C, N, u, bias);
        ref::Requantization rq = requantization_for(acc, N, rng);

        const auto g = geometry(2, C, OH, OW);
        const int T = g.taps(), M = tiles(g), ca = gemm_int8_padded_k(C);
        std::vector<int8_t> xp = padded_tiles_input(x, s, g, static_cast<int8_t>(zx));
        std::vector<PackedGemmInt8Weights> packed(T);
        for (int t = 0; t < T; t++)
            ASSERT_TRUE(pack_gemm_int8_weights(u.data() + static_cast<size_t>(t) * N * C, C, N, nullptr, 0, &packed[t]).is_ok());
        std::vector<int32_t> zeros(N, 0);
        Buffer<int8_t> in = image_view(xp, g, OH, OW);
        Buffer<int32_t> zb(zeros.data(), N), bb(out_bias.data(), N), mult(rq.multiplier.data(), N),
            shift(rq.shift.data(), N);
        for (auto *b : {&zb, &bb, &mult, &shift}) host_dirty(*b);
        host_dirty(in);
        const KernelSet &set = GetParam();
        for_each_chain(variants<op::winograd_input_transform>(set, "domain=int8,tile=2"),
                       variants<op::gemm_int8>(set, "requantize=false,weight_zero_point=false"),
                       int_output_variants<op::winograd_output_transform_int>(set, true),
                       [&](const auto &input, const auto &gemm, const auto &output) {
            std::vector<int8_t> vd(static_cast<size_t>(T) * ca * M);
            for (auto &v : vd) v = static_cast<int8_t>(uni(-128, 127));  // the padding channels hold anything
            Buffer<int8_t> v = tile_buffer(vd.data(), g, ca), vc = v.cropped(0, 0, C);
            ASSERT_EQ(input(in, zx, vc), 0);
            to_host(vc);
            std::vector<int32_t> md;
            tap_gemms_int8(gemm, vd, packed, T, ca, N, M, zb, &md);
            if (HasFatalFailure()) return;
            Buffer<int32_t> mb = tile_buffer(md.data(), g, N);
            host_dirty(mb);
            Buffer<int8_t> out(N, OW, OH, 1);
            rq.fp32 = fp32_requantization(output);
            ASSERT_EQ(output(mb, bb, mult, shift, rq.output_zero_point, rq.output_min, rq.output_max, out), 0);
            to_host(out);
            expect_output(out, acc, OH, OW, N, [&](int8_t a, int32_t b, size_t i) { return a == rq.apply(b, i % N); });
        });
    }

    // fp32 F(m, 3): float transforms, gemm_fp32 per tap (bias 0, no clamp), the
    // output transform with the conv bias.
    void run_fp32_conv(int m, const ref::ConvShape &s, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(s));
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const int C = s.cin, N = s.cout, OH = s.out_h(), OW = s.out_w();
        std::vector<float> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(N) * 9 * C), bias(N);
        for (auto &v : x) v = d(rng);
        for (auto &v : w) v = d(rng) / std::sqrt(9.0f * C);
        for (auto &b : bias) b = d(rng);
        const auto want = ref::conv2d_fp32(x, w, bias, -kInf, kInf, s);

        const auto g = geometry(m, C, OH, OW);
        const int T = g.taps(), M = tiles(g);
        std::vector<float> xp = padded_tiles_input(x, s, g, 0.0f);
        const auto u = winograd_weights_fp32(w.data(), N, C, m);  // (taps, N, C)
        std::vector<std::vector<float>> rhs(T);
        for (int t = 0; t < T; t++) ASSERT_TRUE(pack_gemm_fp32_weights(u.data() + static_cast<size_t>(t) * N * C, C, N, &rhs[t]).is_ok());
        // The bound: every intermediate of the computation is at most its term of
        // S = sum_t |AT|(i,u) |AT|(j,v) sum_c |U(t,n,c)| sum |BT| |d| |BT^T| + |bias|.
        // The GEMMs' sums err within gemm_fp32's contract (1e-5 of their sum of
        // |products|, docs/arithmetic.md); the input and output transforms within
        // 16 u each (the transform tests), U's rounding to float u: with the
        // reference's own rounding, |got - want| <= (1e-5 + 40 u) S. S is larger
        // than sum |x| |w| by the transforms' gain (a few for F(2,3), ~100 for F(4,3)).
        std::vector<double> vmag;
        ref::winograd_input_fp32(xp, g, &vmag);
        std::vector<float> mmag(static_cast<size_t>(T) * M * N);
        for (int t = 0; t < T; t++)
            for (int p = 0; p < M; p++)
                for (int n = 0; n < N; n++) {
                    double a = 0;
                    for (int c = 0; c < C; c++)
                        a += std::fabs(u[(static_cast<size_t>(t) * N + n) * C + c]) * vmag[(static_cast<size_t>(t) * M + p) * C + c];
                    mmag[(static_cast<size_t>(t) * M + p) * N + n] = static_cast<float>(a);
                }
        auto gn = g;
        gn.channels = N;
        std::vector<double> bound;
        ref::winograd_output_fp32(mmag, bias, gn, OH, OW, &bound);
        // sum |x| |w| per output, to print the error relative to the direct convolution's own scale.
        std::vector<float> ax(x.size()), aw(w.size()), zero(N, 0.0f);
        for (size_t i = 0; i < x.size(); i++) ax[i] = std::fabs(x[i]);
        for (size_t i = 0; i < w.size(); i++) aw[i] = std::fabs(w[i]);
        const auto direct_mag = ref::conv2d_fp32(ax, aw, zero, -kInf, kInf, s);

        std::vector<float> zeros(N, 0.0f);
        Buffer<float> in = image_view(xp, g, OH, OW), zb(zeros.data(), N), bb(bias.data(), N);
        host_dirty(in);
        host_dirty(zb);
        host_dirty(bb);
        const KernelSet &set = GetParam();
        const std::string tile = "tile=" + std::to_string(m);
        double worst = 0, worst_direct = 0;  // over every chain
        for_each_chain(variants<op::winograd_input_transform>(set, ("domain=float32," + tile).c_str()),
                       variants<op::gemm_fp32>(set, ""),
                       variants<op::winograd_output_transform_fp32>(set, ("domain=float32," + tile).c_str()),
                       [&](const auto &input, const auto &gemm, const auto &output) {
            std::vector<float> vd(static_cast<size_t>(T) * C * M);
            Buffer<float> v = tile_buffer(vd.data(), g, C);
            ASSERT_EQ(input(in, 0, v), 0);
            to_host(v);
            std::vector<float> md(static_cast<size_t>(T) * N * M);
            for (int t = 0; t < T; t++) {
                Buffer<float> lhs(vd.data() + static_cast<size_t>(t) * C * M, C, M), r(rhs[t].data(), N, C),
                    mt(md.data() + static_cast<size_t>(t) * N * M, N, M);
                host_dirty(lhs);
                host_dirty(r);
                if (!gemm.row->param("avx512_core").empty() && N % 16 != 0) {  // its requirement; the plan knows it
                    EXPECT_NE(gemm(lhs, r, zb, -kInf, kInf, mt), 0);
                    return;
                }
                ASSERT_EQ(gemm(lhs, r, zb, -kInf, kInf, mt), 0);
                to_host(mt);
            }
            Buffer<float> mb = tile_buffer(md.data(), g, N), out(N, OW, OH, 1);
            host_dirty(mb);
            ASSERT_EQ(output(mb, bb, -kInf, kInf, out), 0);
            to_host(out);
            expect_output(out, want, OH, OW, N, [&](float a, float b, size_t i) {
                const double e = std::fabs(static_cast<double>(a) - b);
                worst = std::max(worst, e / bound[i]);
                worst_direct = std::max(worst_direct, e / (direct_mag[i] + std::fabs(bias[i % N])));
                return e <= (1e-5 + 40 * kUnit) * bound[i];
            });
        });
        std::printf("[ winograd ] fp32 F(%d,3) %s: max |error| = %.2e S = %.2e (sum |x||w| + |b|)\n", m,
                    str(s).c_str(), worst, worst_direct);
    }

    // Tapwise (Winograd-domain quantization, lossy): real x quantized to int8
    // (asymmetric), V quantized per tap (scale 127 / max |V(t)| of these
    // inputs), U = G g G^T quantized per (tap, output channel), gemm_int8 per tap,
    // the output dequantized per (channel, tap) in the output transform.
    // Checked twice: against the same quantized arithmetic in the reference
    // (V bit-exact, the GEMMs exact, the output within the float rounding
    // bound of the tapwise output test), and by its SQNR against the
    // real-valued convolution (>= `min_sqnr_db`, TapwiseConv says why).
    void run_tapwise_conv(int m, const ref::ConvShape &s, double min_sqnr_db, uint32_t seed) {
        SCOPED_TRACE("F(" + std::to_string(m) + ",3) " + str(s));
        std::mt19937 rng(seed);
        std::normal_distribution<float> d;
        const int C = s.cin, N = s.cout, OH = s.out_h(), OW = s.out_w();
        std::vector<float> x(static_cast<size_t>(s.h) * s.w * C), w(static_cast<size_t>(N) * 9 * C), bias(N);
        for (auto &v : x) v = d(rng);
        for (auto &v : w) v = d(rng) / std::sqrt(9.0f * C);
        for (auto &b : bias) b = 0.3f * d(rng);
        const auto y = ref::conv2d_fp32(x, w, bias, -kInf, kInf, s);

        // Input: asymmetric int8 over the data's range (with 0).
        float xmin = 0, xmax = 0;
        for (float v : x) xmin = std::min(xmin, v), xmax = std::max(xmax, v);
        const float sx = (xmax - xmin) / 255;
        const int32_t zx = std::clamp(static_cast<int32_t>(std::lround(-128 - xmin / sx)), -128, 127);
        std::vector<int8_t> q(x.size());
        for (size_t i = 0; i < x.size(); i++) q[i] = ref::quantize(x[i], 1 / sx, zx);
        // Output: asymmetric int8 over the real result's range.
        float ymin = 0, ymax = 0;
        for (float v : y) ymin = std::min(ymin, v), ymax = std::max(ymax, v);
        const double so = (ymax - ymin) / 255.0;
        const int32_t zo = std::clamp(static_cast<int32_t>(std::lround(-128 - ymin / so)), -128, 127);

        const auto g = geometry(m, C, OH, OW);
        const int T = g.taps(), M = tiles(g), ca = gemm_int8_padded_k(C);
        std::vector<int8_t> qp = padded_tiles_input(q, s, g, static_cast<int8_t>(zx));
        const auto exact = ref::winograd_input_exact(qp, zx, g);
        std::vector<float> in_scale(T);
        for (int t = 0; t < T; t++) {
            int64_t mx = 1;
            for (size_t i = 0; i < static_cast<size_t>(M) * C; i++)
                mx = std::max<int64_t>(mx, std::llabs(exact[static_cast<size_t>(t) * M * C + i]));
            in_scale[t] = static_cast<float>(127.0 / mx);
        }
        const auto vq = ref::winograd_input_tapwise(qp, zx, in_scale, g);  // (taps, tiles, C)
        const auto u = winograd_weights_fp32(w.data(), N, C, m);          // (taps, N, C)
        std::vector<int8_t> uq(u.size());
        std::vector<float> out_scale(static_cast<size_t>(T) * N), out_bias(N);
        std::vector<PackedGemmInt8Weights> packed(T);
        std::vector<int32_t> mref(static_cast<size_t>(T) * M * N);
        for (int t = 0; t < T; t++) {
            for (int n = 0; n < N; n++) {
                const size_t row = (static_cast<size_t>(t) * N + n) * C;
                double mx = 0;
                for (int c = 0; c < C; c++) mx = std::max(mx, std::fabs(static_cast<double>(u[row + c])));
                const double su = mx > 0 ? mx / 127 : 1;
                for (int c = 0; c < C; c++)
                    uq[row + c] = static_cast<int8_t>(std::clamp(std::nearbyint(u[row + c] / su), -127.0, 127.0));
                out_scale[static_cast<size_t>(t) * N + n] = static_cast<float>(sx / in_scale[t] * su / so);
            }
            ASSERT_TRUE(pack_gemm_int8_weights(uq.data() + static_cast<size_t>(t) * N * C, C, N, nullptr, 0, &packed[t]).is_ok());
            const std::vector<int8_t> vt(vq.begin() + static_cast<size_t>(t) * M * C, vq.begin() + static_cast<size_t>(t + 1) * M * C),
                ut(uq.begin() + static_cast<size_t>(t) * N * C, uq.begin() + static_cast<size_t>(t + 1) * N * C);
            const auto mt = ref::gemm_int8_acc(vt, 0, ut, {0}, std::vector<int32_t>(N, 0), M, N, C);  // (tiles, N)
            std::copy(mt.begin(), mt.end(), mref.begin() + static_cast<size_t>(t) * M * N);
        }
        for (int n = 0; n < N; n++) out_bias[n] = static_cast<float>(bias[n] / so);
        auto gn = g;
        gn.channels = N;
        std::vector<double> mag;
        const auto want = ref::winograd_output_tapwise(mref, out_scale, out_bias, gn, OH, OW, &mag);
        const int32_t lo = -128, hi = 127;

        std::vector<int32_t> zeros(N, 0);
        Buffer<int8_t> in = image_view(qp, g, OH, OW);
        Buffer<float> isb(in_scale.data(), T), osb(out_scale.data(), N, T), bb(out_bias.data(), N);
        Buffer<int32_t> zb(zeros.data(), N);
        for (auto *b : {&isb, &osb, &bb}) host_dirty(*b);
        host_dirty(zb);
        host_dirty(in);
        const KernelSet &set = GetParam();
        const std::string tile = "tile=" + std::to_string(m);
        for_each_chain(variants<op::winograd_input_transform_tapwise>(set, tile.c_str()),
                       variants<op::gemm_int8>(set, "requantize=false,weight_zero_point=false"),
                       variants<op::winograd_output_transform_tapwise>(set, tile.c_str()),
                       [&](const auto &input, const auto &gemm, const auto &output) {
            std::vector<int8_t> vd(static_cast<size_t>(T) * ca * M, 99);  // padding channels: anything
            Buffer<int8_t> v = tile_buffer(vd.data(), g, ca), vc = v.cropped(0, 0, C);
            ASSERT_EQ(input(in, zx, isb, vc), 0);
            to_host(vc);
            expect_tiles(vc, vq, g, [](int8_t a, int8_t b, size_t) { return a == b; });
            std::vector<int32_t> md;
            tap_gemms_int8(gemm, vd, packed, T, ca, N, M, zb, &md);
            if (HasFatalFailure()) return;
            Buffer<int32_t> mb = tile_buffer(md.data(), g, N);
            host_dirty(mb);
            Buffer<int8_t> out(N, OW, OH, 1);
            ASSERT_EQ(output(mb, osb, bb, zo, lo, hi, out), 0);
            to_host(out);
            expect_output(out, want, OH, OW, N,
                          [&](int8_t a, double f, size_t i) { return tapwise_within(a, f, 16 * kUnit * mag[i], zo, lo, hi); });
            double sig = 0, noise = 0;
            size_t i = 0;
            for (int yy = 0; yy < OH; yy++)
                for (int xx = 0; xx < OW; xx++)
                    for (int n = 0; n < N; n++, i++) {
                        const double e = y[i] - so * (out(n, xx, yy, 0) - zo);
                        sig += static_cast<double>(y[i]) * y[i];
                        noise += e * e;
                    }
            const double sqnr = 10 * std::log10(sig / std::max(noise, 1e-300));
            std::printf("[ winograd ] tapwise F(%d,3) %s: SQNR %.1f dB\n", m, str(s).c_str(), sqnr);
            EXPECT_GE(sqnr, min_sqnr_db);
        });
    }
};

TEST_P(Winograd, InputTransformInt8) {
    uint32_t seed = 1;
    for (const auto &sh : transform_shapes()) {
        run_input_int<int8_t>("int8", sh, -32, 31, seed++);    // INT6 inputs: exact
        run_input_int<int8_t>("int8", sh, -128, 127, seed++);  // wider: saturates
    }
}
TEST_P(Winograd, InputTransformInt16) {
    uint32_t seed = 20;
    for (const auto &sh : transform_shapes()) run_input_int<int16_t>("int16", sh, -128, 127, seed++);
}
TEST_P(Winograd, InputTransformFp32) {
    uint32_t seed = 40;
    for (int m : {2, 4})
        for (const auto &sh : transform_shapes()) run_input_fp32(m, sh, seed++);
}
TEST_P(Winograd, InputTransformTapwise) {
    uint32_t seed = 60;
    for (int m : {2, 4})
        for (const auto &sh : transform_shapes()) run_input_tapwise(m, sh, seed++);
}
TEST_P(Winograd, OutputTransformInt) {
    uint32_t seed = 80;
    for (const auto &sh : transform_shapes()) {
        run_output_int(sh, true, seed++);
        run_output_int(sh, false, seed++);
    }
}
TEST_P(Winograd, OutputTransformFp32) {
    uint32_t seed = 100;
    for (int m : {2, 4})
        for (const auto &sh : transform_shapes()) {
            run_output_fp32(m, sh, -kInf, kInf, seed++);
            run_output_fp32(m, sh, -1.5f, 2.0f, seed++);
        }
}
TEST_P(Winograd, OutputTransformTapwise) {
    uint32_t seed = 120;
    for (int m : {2, 4})
        for (const auto &sh : transform_shapes()) {
            run_output_tapwise(m, sh, false, seed++);
            run_output_tapwise(m, sh, true, seed++);
        }
}

// gemm_int16: operands in the Winograd int16 variant's ranges (|V| <= 1020,
// |U'| <= 1143), and K = 2 at the int16 extremes (2 * 32767^2 + bias still fits).
TEST_P(Winograd, GemmInt16) {
    struct Case {
        int m, n, k, a, b, bias;
    };
    uint32_t seed = 140;
    for (const Case cs : {Case{1, 1, 2, 1020, 1143, 1000}, Case{1, 7, 2, 1020, 1143, 1000}, Case{3, 5, 4, 1020, 1143, 1000},
                          Case{1, 33, 64, 1020, 1143, 1000}, Case{49, 64, 64, 1020, 1143, 60000},
                          Case{196, 33, 130, 1020, 1143, 60000}, Case{17, 129, 256, 1020, 1143, 60000},
                          Case{100, 16, 512, 1020, 1143, 60000}, Case{9, 3, 6, 1020, 1143, 0},
                          Case{5, 17, 2, 32767, 32767, 65000}, Case{64, 64, 2, 32767, 32767, 0}}) {
        SCOPED_TRACE("M=" + std::to_string(cs.m) + " N=" + std::to_string(cs.n) + " K=" + std::to_string(cs.k));
        std::mt19937 rng(seed++);
        auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
        std::vector<int16_t> a(static_cast<size_t>(cs.m) * cs.k), w(static_cast<size_t>(cs.n) * cs.k),
            packed(w.size());
        for (auto &v : a) v = static_cast<int16_t>(uni(-cs.a, cs.a));
        for (auto &v : w) v = static_cast<int16_t>(uni(-cs.b, cs.b));
        std::vector<int32_t> bias(cs.n);
        for (auto &b : bias) b = uni(-cs.bias, cs.bias);
        for (int n = 0; n < cs.n; n++)
            for (int k = 0; k < cs.k; k++)
                packed[(static_cast<size_t>(k / 2) * cs.n + n) * 2 + k % 2] = w[static_cast<size_t>(n) * cs.k + k];
        const auto want = ref::gemm_int16_acc(a, w, bias, cs.m, cs.n, cs.k);
        Buffer<int16_t> lhs(a.data(), cs.k, cs.m), rhs(packed.data(), 2, cs.n, cs.k / 2);
        Buffer<int32_t> bb(bias.data(), cs.n), out(cs.n, cs.m);
        host_dirty(lhs);
        host_dirty(rhs);
        host_dirty(bb);
        for_each_variant<op::gemm_int16>(GetParam(), "", [&](const auto &gemm) {
            ASSERT_EQ(gemm(lhs, rhs, bb, out), 0);
            to_host(out);
            int bad = 0;
            for (int i = 0; i < cs.m; i++)
                for (int j = 0; j < cs.n; j++)
                    if (out(j, i) != want[static_cast<size_t>(i) * cs.n + j] && bad++ < 5)
                        ADD_FAILURE() << "at (m=" << i << ", n=" << j << "): got " << out(j, i) << ", want "
                                      << want[static_cast<size_t>(i) * cs.n + j];
            EXPECT_EQ(bad, 0);
        });
    }
}

// winograd_tap_gemm (GPU families): every tap's GEMM in one call, each tap's
// weights packed as its per-tap GEMM takes them, against the scalar per-tap
// GEMM references (bit-exact for int8 / int16; fp32 within 1e-5 of the sum of
// |products|). V and M are seen with a tap stride longer than a tap's matrix,
// as the runtime's scratch lays them out (docs/runtime.md, "OpenCL sessions").
TEST_P(Winograd, TapGemmAllTapsInOneCall) {
#if defined(MOBIQ_HAVE_OPENCL)
    if (kernels_with<op::winograd_tap_gemm>(GetParam()).empty())
        GTEST_SKIP() << "winograd_tap_gemm is a GPU kernel: the CPU families run the per-tap GEMMs, taps in parallel";
    struct Case {
        int m, n, k, taps;
    };
    uint32_t seed = 160;
    for (const char *domain : {"int8", "int16", "float32"}) {
        const int group = domain[3] == '8' ? 4 : domain[3] == '1' ? 2 : 1;
        for (const Case cs : {Case{1, 1, 4, 16}, Case{3, 5, 8, 16}, Case{49, 64, 64, 16}, Case{196, 33, 132, 16},
                              Case{17, 129, 256, 36}, Case{100, 16, 512, 16}}) {
            SCOPED_TRACE(std::string(domain) + " M=" + std::to_string(cs.m) + " N=" + std::to_string(cs.n) +
                         " K=" + std::to_string(cs.k) + " taps=" + std::to_string(cs.taps));
            std::mt19937 rng(seed++);
            auto uni = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
            const int ka = cs.k * cs.m + 7, kc = cs.n * cs.m + 5;  // tap strides of V and M (elements)
            const size_t wk = static_cast<size_t>(cs.n) * cs.k;
            std::vector<double> va(static_cast<size_t>(cs.taps) * ka), vw(cs.taps * wk);
            const int lim = group == 4 ? 127 : group == 2 ? 1020 : 1000;
            for (auto &v : va) v = group == 1 ? uni(-lim, lim) / 997.0 : uni(-lim, lim);
            for (auto &v : vw) v = group == 1 ? uni(-lim, lim) / 991.0 : uni(-lim, lim);
            auto check = [&](auto type_tag, auto acc_tag) {
                using T = decltype(type_tag);
                using Acc = decltype(acc_tag);
                std::vector<T> a(va.begin(), va.end()), packed(vw.size());
                for (int t = 0; t < cs.taps; t++)
                    for (int n = 0; n < cs.n; n++)
                        for (int k = 0; k < cs.k; k++)
                            packed[t * wk + (static_cast<size_t>(k / group) * cs.n + n) * group + k % group] =
                                static_cast<T>(vw[t * wk + static_cast<size_t>(n) * cs.k + k]);
                halide_dimension_t da[3] = {{0, cs.k, 1}, {0, cs.m, cs.k}, {0, cs.taps, ka}};
                Buffer<T> lhs(a.data(), 3, da), rhs(packed.data(), group, cs.n, cs.k / group, cs.taps);
                std::vector<Acc> mem(static_cast<size_t>(cs.taps) * kc);
                halide_dimension_t dc[3] = {{0, cs.n, 1}, {0, cs.m, cs.n}, {0, cs.taps, kc}};
                Buffer<Acc> out(mem.data(), 3, dc);
                host_dirty(lhs);
                host_dirty(rhs);
                for_each_variant<op::winograd_tap_gemm>(GetParam(), (std::string("domain=") + domain).c_str(), [&](const auto &gemm) {
                    ASSERT_EQ(gemm(lhs, rhs, out), 0);
                    to_host(out);
                    int bad = 0;
                    for (int t = 0; t < cs.taps; t++) {
                        std::vector<T> at(a.begin() + size_t(t) * ka, a.begin() + size_t(t) * ka + size_t(cs.k) * cs.m);
                        std::vector<T> wt(cs.n * size_t(cs.k));
                        for (size_t i = 0; i < wt.size(); i++) wt[i] = static_cast<T>(vw[t * wk + i]);
                        for (int i = 0; i < cs.m; i++)
                            for (int j = 0; j < cs.n; j++) {
                                double want = 0, mag = 0;
                                for (int k = 0; k < cs.k; k++) {
                                    want += double(at[size_t(i) * cs.k + k]) * double(wt[size_t(j) * cs.k + k]);
                                    mag += std::fabs(double(at[size_t(i) * cs.k + k]) * double(wt[size_t(j) * cs.k + k]));
                                }
                                const double got = out(j, i, t);
                                const bool ok = group == 1 ? std::fabs(got - want) <= 1e-5 * mag + 1e-6 : got == want;
                                if (!ok && bad++ < 5)
                                    ADD_FAILURE() << "tap " << t << " (m=" << i << ", n=" << j << "): got " << got
                                                  << ", want " << want;
                            }
                    }
                    EXPECT_EQ(bad, 0);
                });
            };
            if (group == 4) check(int8_t{}, int32_t{});
            else if (group == 2) check(int16_t{}, int32_t{});
            else check(float{}, float{});
        }
    }
#else
    GTEST_SKIP() << "winograd_tap_gemm is a GPU kernel and this build has no OpenCL families";
#endif
}

TEST_P(Winograd, Int16ConvNetworkLayers) {
    uint32_t seed = 200;
    for (const auto &s : winograd_network_layers()) run_int16_conv(s, seed++);
}
TEST_P(Winograd, Int16ConvEdgeShapes) {
    uint32_t seed = 250;
    for (const auto &s : edge_winograd_shapes()) run_int16_conv(s, seed++);
}
TEST_P(Winograd, Int6w4ConvNetworkLayers) {
    uint32_t seed = 300;
    for (const auto &s : winograd_network_layers()) run_int6w4_conv(s, seed++);
}
TEST_P(Winograd, Int6w4ConvEdgeShapes) {
    uint32_t seed = 350;
    for (const auto &s : edge_winograd_shapes()) run_int6w4_conv(s, seed++);
}
TEST_P(Winograd, Int6w8ConvNetworkLayers) {
    uint32_t seed = 600;
    for (const auto &s : winograd_network_layers()) run_int6w8_conv(s, seed++);
}
TEST_P(Winograd, Int6w8ConvEdgeShapes) {
    uint32_t seed = 650;
    for (const auto &s : edge_winograd_shapes()) run_int6w8_conv(s, seed++);
}
TEST_P(Winograd, Fp32ConvNetworkLayersAndEdges) {
    uint32_t seed = 400;
    for (int m : {2, 4}) {
        for (const auto &s : winograd_network_layers()) run_fp32_conv(m, s, seed++);
        for (const auto &s : edge_winograd_shapes()) run_fp32_conv(m, s, seed++);
    }
}
// SQNR bounds: int8 inputs, weights and outputs alone (the direct int8
// convolution) give about 35-40 dB here; F(2,3)'s transforms (entries 0, +-1)
// keep the per-tap 8-bit rounding near that: 33-37 dB measured, bound 30 dB.
// F(4,3) is the known weak case of 8-bit Winograd: A^T (entries up to 8) and
// B^T (up to 5) make each output a sum of taps up to ~100 times larger that
// cancel, while their rounding errors do not; 8-bit V alone or 8-bit U alone
// each cost ~15 dB against F(2,3) (a numpy model of this test: 23 / 25 dB), and
// a calibration clipping V at its MSE-best value instead of its max changes
// < 1 dB. Measured 21.6-30.1 dB over these shapes (more tiles: lower); bound 18 dB.
TEST_P(Winograd, TapwiseConv) {
    uint32_t seed = 500;
    const auto layers = winograd_network_layers();
    for (int m : {2, 4}) {
        const double min_sqnr = m == 2 ? 30 : 18;
        for (size_t i = 0; i < layers.size(); i += 3) run_tapwise_conv(m, layers[i], min_sqnr, seed++);
        run_tapwise_conv(m, {7, 7, 64, 20, 3, 3, 1, 1}, min_sqnr, seed++);
        run_tapwise_conv(m, {5, 3, 12, 5, 3, 3, 1, 1}, min_sqnr, seed++);
    }
}

// A correct call succeeds and the same call with one tap too few fails (no result written past the buffer).
template <typename In, typename Out, typename Call>
void expect_rejects_taps(int m, Call call) {
    const int a = m + 2;
    Buffer<In> in(8, 2 * m + 2, 2 * m + 2, 1);
    Buffer<Out> good(8, 2, 2, 1, a * a), bad(8, 2, 2, 1, a * a - 1);
    in.fill(0);
    host_dirty(in);
    EXPECT_EQ(call(in, good), 0);
    EXPECT_NE(call(in, bad), 0) << a * a - 1 << " taps must be an error, not a result";
}

TEST_P(Winograd, InputTransformRejectsWrongTapCount) {
    for_each_variant<op::winograd_input_transform>(GetParam(), "", [&](const auto &fn) {
        const int m = std::stoi(fn.row->param("tile"));
        const std::string domain = fn.row->param("domain");
        auto call = [&](auto &in, auto &out) { return fn(in, 0, out); };
        if (domain == "int8") expect_rejects_taps<int8_t, int8_t>(m, call);
        else if (domain == "int16") expect_rejects_taps<int8_t, int16_t>(m, call);
        else if (domain == "float32") expect_rejects_taps<float, float>(m, call);
        else ADD_FAILURE() << "a domain this test does not know: " << domain;
    });
    for_each_variant<op::winograd_input_transform_tapwise>(GetParam(), "", [&](const auto &fn) {
        const int m = std::stoi(fn.row->param("tile"));
        Buffer<float> scale((m + 2) * (m + 2));
        scale.fill(1.0f);
        host_dirty(scale);
        expect_rejects_taps<int8_t, int8_t>(m, [&](auto &in, auto &out) { return fn(in, 0, scale, out); });
    });
}
TEST_P(Winograd, OutputTransformRejectsWrongTapCount) {
    Buffer<int32_t> v(8);
    Buffer<float> f(8);
    v.fill(0);
    f.fill(0.0f);
    host_dirty(v);
    host_dirty(f);
    for_each_variant<op::winograd_output_transform_int>(GetParam(), "", [&](const auto &fn) {
        Buffer<int32_t> good(8, 2, 2, 1, 16), bad(8, 2, 2, 1, 15);
        Buffer<int8_t> out(8, 4, 4, 1);
        good.fill(0);
        bad.fill(0);
        host_dirty(good);
        host_dirty(bad);
        EXPECT_EQ(fn(good, v, v, v, 0, -128, 127, out), 0);
        EXPECT_NE(fn(bad, v, v, v, 0, -128, 127, out), 0);
    });
    for_each_variant<op::winograd_output_transform_fp32>(GetParam(), "", [&](const auto &fn) {
        const int a = std::stoi(fn.row->param("tile")) + 2;
        Buffer<float> good(8, 2, 2, 1, a * a), bad(8, 2, 2, 1, a * a - 1), out(8, 4, 4, 1);
        good.fill(0.0f);
        bad.fill(0.0f);
        host_dirty(good);
        host_dirty(bad);
        EXPECT_EQ(fn(good, f, -kInf, kInf, out), 0);
        EXPECT_NE(fn(bad, f, -kInf, kInf, out), 0);
    });
}

INSTANTIATE_TEST_SUITE_P(Kernels, Winograd, testing::ValuesIn(kernel_sets()), set_name);

// The int6w4 range argument (no kernels). B^T d B and G' g G'^T are linear in
// d and g, so over a box of inputs (every entry in [lo, hi]) each output's
// extremes are at corners of the box: checking every corner (each entry at lo
// or hi) bounds the whole box, and shows the bound attained.
TEST(WinogradRange, Int6InputTilesFitInt8) {
    ref::WinogradGeometry g;
    g.m = 2;
    g.channels = 1;
    g.tiles_x = g.tiles_y = 1;
    g.wp = g.hp = 4;
    int64_t lo = 0, hi = 0;
    std::vector<int8_t> d(16);
    for (int bits = 0; bits < (1 << 16); bits++) {
        for (int i = 0; i < 16; i++) d[i] = (bits >> i) & 1 ? 31 : -32;
        for (int64_t v : ref::winograd_input_exact(d, 0, g)) {
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
    }
    std::printf("[ winograd ] B^T d B over d in [-32, 31]^16: [%lld, %lld]\n", static_cast<long long>(lo),
                static_cast<long long>(hi));
    EXPECT_GE(lo, -128);
    EXPECT_LE(hi, 127);
    EXPECT_EQ(lo, -128);  // attained: four entries of -32 in a tap of four +1s
}

TEST(WinogradRange, Int4WeightsFitInt8) {
    for (const int wlo : {-8, -7}) {
        int32_t lo = 0, hi = 0;
        int8_t k[9];
        for (int bits = 0; bits < (1 << 9); bits++) {
            for (int i = 0; i < 9; i++) k[i] = static_cast<int8_t>((bits >> i) & 1 ? 7 : wlo);
            for (int32_t v : winograd_f2x3_weights_int(k, 1, 1)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        }
        std::printf("[ winograd ] U' = G' g G'^T over g in [%d, 7]^9: [%d, %d]\n", wlo, lo, hi);
        EXPECT_GE(lo, -128);
        EXPECT_LE(hi, 127);
        EXPECT_EQ(lo, 9 * wlo);  // attained: the centre tap sums all nine entries
    }
}

// The int6w8 bound (docs/arithmetic.md "int6w8"). Per input channel an output
// is sum_t a_t U_t V'_t over its 9 taps (a_t = +-1 from A^T . A, V' = B^T (x - z) B,
// |U_t| <= 127), so |acc - bias| <= 127 K max sum_t |V'_t|. That sum is convex
// in (x, z), so its maximum over x in [-32, 31]^16, z in [-32, 31] is at a
// corner: every corner is tried, for each of the 4 outputs of a tile.
TEST(WinogradRange, Int6w8AccumulatorBound) {
    const auto &w = ref::winograd_matrices(2);
    int64_t worst = 0;
    int64_t d[16], r[16], v[16];
    for (const int z : {-32, 31})
        for (int bits = 0; bits < (1 << 16); bits++) {
            for (int i = 0; i < 16; i++) d[i] = ((bits >> i) & 1 ? 31 : -32) - z;
            for (int u = 0; u < 4; u++)
                for (int j = 0; j < 4; j++) {
                    r[u * 4 + j] = 0;
                    for (int i = 0; i < 4; i++) r[u * 4 + j] += w.bt[u][i] * d[i * 4 + j];
                }
            for (int u = 0; u < 4; u++)
                for (int k = 0; k < 4; k++) {
                    v[u * 4 + k] = 0;
                    for (int j = 0; j < 4; j++) v[u * 4 + k] += w.bt[k][j] * r[u * 4 + j];
                }
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++) {
                    int64_t s = 0;
                    for (int u = 0; u < 4; u++)
                        for (int k = 0; k < 4; k++) s += std::llabs(w.at[i][u] * w.at[j][k]) * std::llabs(v[u * 4 + k]);
                    worst = std::max(worst, s);
                }
        }
    std::printf("[ winograd ] int6w8: max over an output's taps of sum |B^T (x - z) B| = %lld\n",
                static_cast<long long>(worst));
    EXPECT_EQ(worst, 756);  // the constant of kWinogradInt6w8MaxChannels
    // The plan's bound: the largest multiple of 4 with 756 * 127 * K < 2^31.
    const int64_t k = kWinogradInt6w8MaxChannels;
    EXPECT_EQ(k % 4, 0);
    EXPECT_LT(worst * 127 * k, int64_t{1} << 31);
    EXPECT_GE(worst * 127 * (k + 4), int64_t{1} << 31);
    EXPECT_TRUE(winograd_int6w8_bias_fits(k, 0));
    EXPECT_FALSE(winograd_int6w8_bias_fits(k + 4, 0));
}

}  // namespace
}  // namespace mobiq::test
