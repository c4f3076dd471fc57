#include "reference_kernels.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace mobiq::ref {

int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
    const bool overflow = a == b && a == std::numeric_limits<int32_t>::min();
    const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
    const int32_t nudge = ab >= 0 ? (1 << 30) : (1 - (1 << 30));
    const int32_t high = static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
    return overflow ? std::numeric_limits<int32_t>::max() : high;
}

int32_t rounding_divide_by_pot(int32_t x, int exponent) {
    const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    const int64_t wide = static_cast<int64_t>(x) * (int64_t{1} << left);
    const int32_t shifted = static_cast<int32_t>(
        std::clamp<int64_t>(wide, std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

void quantize_multiplier(double real, int32_t *multiplier, int *shift) {
    int exp = 0;
    const double q = std::frexp(real, &exp);  // real = q * 2^exp, q in [0.5, 1)
    int64_t q31 = static_cast<int64_t>(std::llround(q * (int64_t{1} << 31)));
    if (q31 == (int64_t{1} << 31)) {
        q31 /= 2;
        exp++;
    }
    *multiplier = static_cast<int32_t>(q31);
    *shift = exp;
}

int8_t requantize_fp32(int32_t acc, int32_t multiplier, int shift, int32_t zero_point, int32_t lo, int32_t hi) {
    const float scale = std::ldexp(static_cast<float>(multiplier), shift - 31);
    float f = static_cast<float>(acc) * scale;
    f = std::min(std::max(f, static_cast<float>(lo - zero_point)), static_cast<float>(hi - zero_point));
    return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + zero_point);
}

int8_t Requantization::apply(int32_t acc, int channel) const {
    const size_t c = multiplier.size() == 1 ? 0 : static_cast<size_t>(channel);
    if (fp32) return requantize_fp32(acc, multiplier[c], shift[c], output_zero_point, output_min, output_max);
    int32_t v = multiply_by_quantized_multiplier(acc, multiplier[c], shift[c]) + output_zero_point;
    v = std::min(std::max(v, output_min), output_max);
    return static_cast<int8_t>(v);
}

std::vector<int8_t> requantize(const std::vector<int32_t> &in, int channels, const Requantization &rq) {
    std::vector<int8_t> out(in.size());
    for (size_t i = 0; i < in.size(); i++) out[i] = rq.apply(in[i], static_cast<int>(i % channels));
    return out;
}

std::vector<int32_t> gemm_int8_acc(const std::vector<int8_t> &a, int32_t za, const std::vector<int8_t> &w,
                                   const std::vector<int32_t> &zw, const std::vector<int32_t> &bias, int m, int n,
                                   int k) {
    std::vector<int32_t> c(static_cast<size_t>(m) * n);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            const int32_t z = zw.size() == 1 ? zw[0] : zw[j];
            int64_t acc = bias[j];
            for (int kk = 0; kk < k; kk++)
                acc += static_cast<int64_t>(a[static_cast<size_t>(i) * k + kk] - za) *
                       (w[static_cast<size_t>(j) * k + kk] - z);
            c[static_cast<size_t>(i) * n + j] = static_cast<int32_t>(acc);
        }
    }
    return c;
}

std::vector<float> gemm_fp32(const std::vector<float> &a, const std::vector<float> &w,
                             const std::vector<float> &bias, float lo, float hi, int m, int n, int k) {
    std::vector<float> c(static_cast<size_t>(m) * n);
    for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
            double acc = bias[j];
            for (int kk = 0; kk < k; kk++)
                acc += static_cast<double>(a[static_cast<size_t>(i) * k + kk]) * w[static_cast<size_t>(j) * k + kk];
            c[static_cast<size_t>(i) * n + j] = std::min(std::max(static_cast<float>(acc), lo), hi);
        }
    }
    return c;
}

}  // namespace mobiq::ref

namespace mobiq::ref {

namespace {
template <typename T, typename Acc, typename F>
void conv_loop(const ConvShape &s, F &&tap) {
    for (int oy = 0; oy < s.out_h(); oy++)
        for (int ox = 0; ox < s.out_w(); ox++)
            for (int co = 0; co < s.cout; co++)
                for (int ky = 0; ky < s.kh; ky++)
                    for (int kx = 0; kx < s.kw; kx++) {
                        const int iy = oy * s.stride + ky - s.pad, ix = ox * s.stride + kx - s.pad;
                        for (int c = 0; c < s.cin; c++) tap(oy, ox, co, ky, kx, c, iy, ix);
                    }
}
}  // namespace

std::vector<int32_t> conv2d_int8_acc(const std::vector<int8_t> &input, int32_t zx, const std::vector<int8_t> &weights,
                                     const std::vector<int32_t> &zw, const std::vector<int32_t> &bias,
                                     const ConvShape &s) {
    const int oh = s.out_h(), ow = s.out_w();
    std::vector<int64_t> acc(static_cast<size_t>(oh) * ow * s.cout);
    for (int p = 0; p < oh * ow; p++)
        for (int co = 0; co < s.cout; co++) acc[static_cast<size_t>(p) * s.cout + co] = bias[co];
    conv_loop<int8_t, int64_t>(s, [&](int oy, int ox, int co, int ky, int kx, int c, int iy, int ix) {
        const bool inside = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w;
        const int32_t x = inside ? input[(static_cast<size_t>(iy) * s.w + ix) * s.cin + c] : zx;
        const int32_t w = weights[((static_cast<size_t>(co) * s.kh + ky) * s.kw + kx) * s.cin + c];
        const int32_t z = zw.size() == 1 ? zw[0] : zw[co];
        acc[(static_cast<size_t>(oy) * ow + ox) * s.cout + co] += static_cast<int64_t>(x - zx) * (w - z);
    });
    return std::vector<int32_t>(acc.begin(), acc.end());
}

std::vector<float> conv2d_fp32(const std::vector<float> &input, const std::vector<float> &weights,
                               const std::vector<float> &bias, float lo, float hi, const ConvShape &s) {
    const int oh = s.out_h(), ow = s.out_w();
    std::vector<double> acc(static_cast<size_t>(oh) * ow * s.cout);
    for (int p = 0; p < oh * ow; p++)
        for (int co = 0; co < s.cout; co++) acc[static_cast<size_t>(p) * s.cout + co] = bias[co];
    conv_loop<float, double>(s, [&](int oy, int ox, int co, int ky, int kx, int c, int iy, int ix) {
        if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) return;
        acc[(static_cast<size_t>(oy) * ow + ox) * s.cout + co] +=
            static_cast<double>(input[(static_cast<size_t>(iy) * s.w + ix) * s.cin + c]) *
            weights[((static_cast<size_t>(co) * s.kh + ky) * s.kw + kx) * s.cin + c];
    });
    std::vector<float> out(acc.size());
    for (size_t i = 0; i < acc.size(); i++) out[i] = std::min(std::max(static_cast<float>(acc[i]), lo), hi);
    return out;
}

}  // namespace mobiq::ref

namespace mobiq::ref {

std::vector<int32_t> depthwise_int8_acc(const std::vector<int8_t> &input, int32_t zx, const std::vector<int8_t> &weights,
                                        const std::vector<int32_t> &zw, const std::vector<int32_t> &bias,
                                        const ConvShape &s) {
    const int oh = s.out_h(), ow = s.out_w(), C = s.cin;
    std::vector<int32_t> out(static_cast<size_t>(oh) * ow * C);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int c = 0; c < C; c++) {
                int64_t acc = bias[c];
                for (int ky = 0; ky < s.kh; ky++)
                    for (int kx = 0; kx < s.kw; kx++) {
                        const int iy = oy * s.stride + ky - s.pad, ix = ox * s.stride + kx - s.pad;
                        const bool inside = iy >= 0 && iy < s.h && ix >= 0 && ix < s.w;
                        const int32_t x = inside ? input[(static_cast<size_t>(iy) * s.w + ix) * C + c] : zx;
                        const int32_t w = weights[(static_cast<size_t>(ky) * s.kw + kx) * C + c];
                        acc += static_cast<int64_t>(x - zx) * (w - zw[c]);
                    }
                out[(static_cast<size_t>(oy) * ow + ox) * C + c] = static_cast<int32_t>(acc);
            }
    return out;
}

std::vector<float> depthwise_fp32(const std::vector<float> &input, const std::vector<float> &weights,
                                  const std::vector<float> &bias, float lo, float hi, const ConvShape &s) {
    const int oh = s.out_h(), ow = s.out_w(), C = s.cin;
    std::vector<float> out(static_cast<size_t>(oh) * ow * C);
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int c = 0; c < C; c++) {
                double acc = bias[c];
                for (int ky = 0; ky < s.kh; ky++)
                    for (int kx = 0; kx < s.kw; kx++) {
                        const int iy = oy * s.stride + ky - s.pad, ix = ox * s.stride + kx - s.pad;
                        if (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w) continue;
                        acc += static_cast<double>(input[(static_cast<size_t>(iy) * s.w + ix) * C + c]) *
                               weights[(static_cast<size_t>(ky) * s.kw + kx) * C + c];
                    }
                out[(static_cast<size_t>(oy) * ow + ox) * C + c] = std::min(std::max(static_cast<float>(acc), lo), hi);
            }
    return out;
}

}  // namespace mobiq::ref

namespace mobiq::ref {

namespace {
// Calls f(oy, ox, c, y0, y1, x0, x1) with the window clipped to the image.
template <typename F>
void pool_windows(const PoolShape &s, F &&f) {
    for (int oy = 0; oy < s.out_h(); oy++)
        for (int ox = 0; ox < s.out_w(); ox++) {
            const int y0 = std::max(oy * s.stride - s.pad, 0), y1 = std::min(oy * s.stride - s.pad + s.kh, s.h);
            const int x0 = std::max(ox * s.stride - s.pad, 0), x1 = std::min(ox * s.stride - s.pad + s.kw, s.w);
            for (int c = 0; c < s.c; c++) f(oy, ox, c, y0, y1, x0, x1);
        }
}
}  // namespace

template <typename T>
std::vector<T> max_pool(const std::vector<T> &in, const PoolShape &s) {
    std::vector<T> out(static_cast<size_t>(s.out_h()) * s.out_w() * s.c);
    pool_windows(s, [&](int oy, int ox, int c, int y0, int y1, int x0, int x1) {
        T m = std::numeric_limits<T>::lowest();
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) m = std::max(m, in[(static_cast<size_t>(y) * s.w + x) * s.c + c]);
        out[(static_cast<size_t>(oy) * s.out_w() + ox) * s.c + c] = m;
    });
    return out;
}
template std::vector<int8_t> max_pool(const std::vector<int8_t> &, const PoolShape &);
template std::vector<float> max_pool(const std::vector<float> &, const PoolShape &);

std::vector<int8_t> average_pool_int8(const std::vector<int8_t> &in, const PoolShape &s) {
    std::vector<int8_t> out(static_cast<size_t>(s.out_h()) * s.out_w() * s.c);
    pool_windows(s, [&](int oy, int ox, int c, int y0, int y1, int x0, int x1) {
        int32_t sum = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) sum += in[(static_cast<size_t>(y) * s.w + x) * s.c + c];
        const int32_t count = std::max((y1 - y0) * (x1 - x0), 1);
        const int32_t avg = sum > 0 ? (sum + count / 2) / count : (sum - count / 2) / count;  // C++ truncates
        out[(static_cast<size_t>(oy) * s.out_w() + ox) * s.c + c] = static_cast<int8_t>(avg);
    });
    return out;
}

std::vector<float> average_pool_fp32(const std::vector<float> &in, const PoolShape &s) {
    std::vector<float> out(static_cast<size_t>(s.out_h()) * s.out_w() * s.c);
    pool_windows(s, [&](int oy, int ox, int c, int y0, int y1, int x0, int x1) {
        double sum = 0;
        for (int y = y0; y < y1; y++)
            for (int x = x0; x < x1; x++) sum += in[(static_cast<size_t>(y) * s.w + x) * s.c + c];
        out[(static_cast<size_t>(oy) * s.out_w() + ox) * s.c + c] = static_cast<float>(sum / ((y1 - y0) * (x1 - x0)));
    });
    return out;
}

int8_t add_int8(int8_t a, int8_t b, const AddParams &p) {
    if (p.fp32) {
        // Each product and the sum rounded to float (this file is built with -ffp-contract=off).
        auto rel = [&](int32_t m, int32_t s) {
            const float mm = static_cast<float>(m) * static_cast<float>(p.output_multiplier);
            return std::ldexp(mm, s + p.output_shift + p.left_shift - 62);
        };
        const float ta = static_cast<float>(a - p.a_zero_point) * rel(p.a_multiplier, p.a_shift);
        const float tb = static_cast<float>(b - p.b_zero_point) * rel(p.b_multiplier, p.b_shift);
        float t = ta + tb;
        t = std::min(std::max(t, static_cast<float>(p.output_min - p.output_zero_point)),
                     static_cast<float>(p.output_max - p.output_zero_point));
        return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(t)) + p.output_zero_point);
    }
    const int32_t av = (a - p.a_zero_point) * (1 << p.left_shift);
    const int32_t bv = (b - p.b_zero_point) * (1 << p.left_shift);
    const int32_t sum = multiply_by_quantized_multiplier(av, p.a_multiplier, p.a_shift) +
                        multiply_by_quantized_multiplier(bv, p.b_multiplier, p.b_shift);
    const int32_t v = multiply_by_quantized_multiplier(sum, p.output_multiplier, p.output_shift) + p.output_zero_point;
    return static_cast<int8_t>(std::min(std::max(v, p.output_min), p.output_max));
}

AddParams make_add_params(double a_scale, int32_t a_zero, double b_scale, int32_t b_zero, double out_scale,
                          int32_t out_zero, int32_t out_min, int32_t out_max) {
    AddParams p{};
    p.left_shift = 20;
    const double twice_max = 2 * std::max(a_scale, b_scale);
    quantize_multiplier(a_scale / twice_max, &p.a_multiplier, &p.a_shift);
    quantize_multiplier(b_scale / twice_max, &p.b_multiplier, &p.b_shift);
    quantize_multiplier(twice_max / ((1 << p.left_shift) * out_scale), &p.output_multiplier, &p.output_shift);
    p.a_zero_point = a_zero;
    p.b_zero_point = b_zero;
    p.output_zero_point = out_zero;
    p.output_min = out_min;
    p.output_max = out_max;
    return p;
}

int8_t quantize(float x, float inverse_scale, int32_t zero_point) {
    const float v = std::min(std::max(std::nearbyint(x * inverse_scale), -1e9f), 1e9f);
    return static_cast<int8_t>(std::min(std::max(static_cast<int32_t>(v) + zero_point, -128), 127));
}

float dequantize(int8_t q, float scale, int32_t zero_point) {
    return scale * static_cast<float>(static_cast<int32_t>(q) - zero_point);
}

std::vector<double> softmax(const std::vector<float> &x, int k, int n) {
    std::vector<double> y(x.size());
    for (int j = 0; j < n; j++) {
        double m = x[size_t(j) * k], sum = 0;
        for (int i = 0; i < k; i++) m = std::max(m, static_cast<double>(x[size_t(j) * k + i]));
        for (int i = 0; i < k; i++) sum += std::exp(x[size_t(j) * k + i] - m);
        for (int i = 0; i < k; i++) y[size_t(j) * k + i] = std::exp(x[size_t(j) * k + i] - m) / sum;
    }
    return y;
}

}  // namespace mobiq::ref

namespace mobiq::ref {

const WinogradMatrices &winograd_matrices(int m) {
    static const WinogradMatrices f2{{{1, 0, -1, 0}, {0, 1, 1, 0}, {0, -1, 1, 0}, {0, 1, 0, -1}},
                                     {{1, 1, 1, 0}, {0, 1, -1, -1}},
                                     {{1, 0, 0}, {0.5, 0.5, 0.5}, {0.5, -0.5, 0.5}, {0, 0, 1}}};
    static const WinogradMatrices f4{{{4, 0, -5, 0, 1, 0},
                                      {0, -4, -4, 1, 1, 0},
                                      {0, 4, -4, -1, 1, 0},
                                      {0, -2, -1, 2, 1, 0},
                                      {0, 2, -1, -2, 1, 0},
                                      {0, 4, 0, -5, 0, 1}},
                                     {{1, 1, 1, 1, 1, 0}, {0, 1, -1, 2, -2, 0}, {0, 1, 1, 4, 4, 0}, {0, 1, -1, 8, -8, 1}},
                                     {{1.0 / 4, 0, 0},
                                      {-1.0 / 6, -1.0 / 6, -1.0 / 6},
                                      {-1.0 / 6, 1.0 / 6, -1.0 / 6},
                                      {1.0 / 24, 1.0 / 12, 1.0 / 6},
                                      {1.0 / 24, -1.0 / 12, 1.0 / 6},
                                      {0, 0, 1}}};
    return m == 4 ? f4 : f2;
}

namespace {

// f(index of V(t, ty, tx, c), t, the tile's pixel (i, j) -> value, BT) for every tile value:
// the loops every input transform shares.
template <typename F>
void winograd_input_loop(const WinogradGeometry &g, F &&f) {
    const int a = g.alpha(), C = g.channels;
    for (int t = 0; t < g.taps(); t++)
        for (int ty = 0; ty < g.tiles_y; ty++)
            for (int tx = 0; tx < g.tiles_x; tx++)
                for (int c = 0; c < C; c++) {
                    const size_t at = ((static_cast<size_t>(t) * g.tiles_y + ty) * g.tiles_x + tx) * C + c;
                    auto pixel = [&, ty, tx, c](int i, int j) {
                        return (static_cast<size_t>(g.m * ty + i) * g.wp + (g.m * tx + j)) * C + c;
                    };
                    f(at, t / a, t % a, pixel);
                }
}

// Y(i, j) = sum_{u, v} AT[i][u] M(alpha u + v) AT[j][v] for output pixel (oy, ox, c),
// with `value(t)` reading M of its tile; also sum |AT| |M| |AT^T| into *mag.
template <typename T, typename V>
T winograd_output_pixel(const WinogradMatrices &w, int alpha, int i, int j, V &&value, double *mag) {
    T y = 0;
    double abs = 0;
    for (int u = 0; u < alpha; u++)
        for (int v = 0; v < alpha; v++) {
            const int c = w.at[i][u] * w.at[j][v];
            if (c == 0) continue;
            const T m = value(alpha * u + v);
            y += static_cast<T>(c) * m;
            abs += std::fabs(static_cast<double>(c) * static_cast<double>(m));
        }
    if (mag != nullptr) *mag = abs;
    return y;
}

// f(index of output (oy, ox, c), i, j, index of M(t = 0) of its tile) for every output.
template <typename F>
void winograd_output_loop(const WinogradGeometry &g, int oh, int ow, F &&f) {
    const int C = g.channels;
    for (int oy = 0; oy < oh; oy++)
        for (int ox = 0; ox < ow; ox++)
            for (int c = 0; c < C; c++) {
                const size_t tile = (static_cast<size_t>(oy / g.m) * g.tiles_x + ox / g.m) * C + c;
                f((static_cast<size_t>(oy) * ow + ox) * C + c, oy % g.m, ox % g.m, tile, c);
            }
}

}  // namespace

std::vector<int64_t> winograd_input_exact(const std::vector<int8_t> &x, int32_t z, const WinogradGeometry &g) {
    const auto &w = winograd_matrices(g.m);
    const int a = g.alpha();
    std::vector<int64_t> out(g.tile_values());
    winograd_input_loop(g, [&](size_t at, int u, int v, auto pixel) {
        int64_t s = 0;
        for (int i = 0; i < a; i++)
            for (int j = 0; j < a; j++)
                s += static_cast<int64_t>(w.bt[u][i]) * (x[pixel(i, j)] - z) * w.bt[v][j];
        out[at] = s;
    });
    return out;
}

std::vector<int8_t> winograd_input_int8(const std::vector<int8_t> &x, const WinogradGeometry &g) {
    const auto v = winograd_input_exact(x, 0, g);
    std::vector<int8_t> out(v.size());
    for (size_t i = 0; i < v.size(); i++) out[i] = static_cast<int8_t>(std::clamp<int64_t>(v[i], -128, 127));
    return out;
}

std::vector<int16_t> winograd_input_int16(const std::vector<int8_t> &x, int32_t z, const WinogradGeometry &g) {
    const auto v = winograd_input_exact(x, z, g);
    return std::vector<int16_t>(v.begin(), v.end());
}

std::vector<int8_t> winograd_input_tapwise(const std::vector<int8_t> &x, int32_t z, const std::vector<float> &tap_scale,
                                           const WinogradGeometry &g) {
    const auto v = winograd_input_exact(x, z, g);
    const size_t per_tap = v.size() / g.taps();
    std::vector<int8_t> out(v.size());
    for (size_t i = 0; i < v.size(); i++) {
        const float f = static_cast<float>(v[i]) * tap_scale[i / per_tap];  // exact conversion, one rounding
        out[i] = static_cast<int8_t>(std::min(std::max(std::nearbyint(f), -127.0f), 127.0f));
    }
    return out;
}

std::vector<double> winograd_input_fp32(const std::vector<float> &x, const WinogradGeometry &g,
                                        std::vector<double> *magnitude) {
    const auto &w = winograd_matrices(g.m);
    const int a = g.alpha();
    std::vector<double> out(g.tile_values());
    if (magnitude != nullptr) magnitude->assign(out.size(), 0.0);
    winograd_input_loop(g, [&](size_t at, int u, int v, auto pixel) {
        double s = 0, abs = 0;
        for (int i = 0; i < a; i++)
            for (int j = 0; j < a; j++) {
                const double term = static_cast<double>(w.bt[u][i] * w.bt[v][j]) * x[pixel(i, j)];
                s += term;
                abs += std::fabs(term);
            }
        out[at] = s;
        if (magnitude != nullptr) (*magnitude)[at] = abs;
    });
    return out;
}

std::vector<int32_t> winograd_output_int_acc(const std::vector<int32_t> &m, const std::vector<int32_t> &bias,
                                             const WinogradGeometry &g, int oh, int ow, bool float_weights) {
    const auto &w = winograd_matrices(g.m);
    const size_t per_tap = static_cast<size_t>(g.tiles_y) * g.tiles_x * g.channels;
    std::vector<int32_t> out(static_cast<size_t>(oh) * ow * g.channels);
    winograd_output_loop(g, oh, ow, [&](size_t at, int i, int j, size_t tile, int c) {
        const int64_t y = winograd_output_pixel<int64_t>(
            w, g.alpha(), i, j, [&](int t) { return static_cast<int64_t>(m[t * per_tap + tile]); }, nullptr);
        if (float_weights) {  // the accumulator itself, bias included, mod 2^32
            out[at] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(y + bias[c])));
            return;
        }
        // The low 32 bits as a signed value (exact whenever 4 * the convolution fits), then / 4 rounded down.
        const int32_t low = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(y)));
        out[at] = (low >> 2) + bias[c];
    });
    return out;
}

std::vector<double> winograd_output_fp32(const std::vector<float> &m, const std::vector<float> &bias,
                                         const WinogradGeometry &g, int oh, int ow, std::vector<double> *magnitude) {
    const auto &w = winograd_matrices(g.m);
    const size_t per_tap = static_cast<size_t>(g.tiles_y) * g.tiles_x * g.channels;
    std::vector<double> out(static_cast<size_t>(oh) * ow * g.channels);
    if (magnitude != nullptr) magnitude->assign(out.size(), 0.0);
    winograd_output_loop(g, oh, ow, [&](size_t at, int i, int j, size_t tile, int c) {
        double abs = 0;
        out[at] = winograd_output_pixel<double>(
                      w, g.alpha(), i, j, [&](int t) { return static_cast<double>(m[t * per_tap + tile]); }, &abs) +
                  bias[c];
        if (magnitude != nullptr) (*magnitude)[at] = abs + std::fabs(bias[c]);
    });
    return out;
}

std::vector<double> winograd_output_tapwise(const std::vector<int32_t> &m, const std::vector<float> &tap_scale,
                                            const std::vector<float> &bias, const WinogradGeometry &g, int oh, int ow,
                                            std::vector<double> *magnitude) {
    const auto &w = winograd_matrices(g.m);
    const int C = g.channels;
    const size_t per_tap = static_cast<size_t>(g.tiles_y) * g.tiles_x * C;
    std::vector<double> out(static_cast<size_t>(oh) * ow * C);
    if (magnitude != nullptr) magnitude->assign(out.size(), 0.0);
    winograd_output_loop(g, oh, ow, [&](size_t at, int i, int j, size_t tile, int c) {
        double abs = 0;
        out[at] = winograd_output_pixel<double>(
                      w, g.alpha(), i, j,
                      [&](int t) {
                          return static_cast<double>(m[t * per_tap + tile]) * tap_scale[static_cast<size_t>(t) * C + c];
                      },
                      &abs) +
                  bias[c];
        if (magnitude != nullptr) (*magnitude)[at] = abs + std::fabs(bias[c]);
    });
    return out;
}

int8_t winograd_tapwise_output_value(double f, int32_t z, int32_t lo, int32_t hi) {
    f = std::min(std::max(f, static_cast<double>(lo - z)), static_cast<double>(hi - z));
    return static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + z);
}

std::vector<int32_t> gemm_int16_acc(const std::vector<int16_t> &a, const std::vector<int16_t> &w,
                                    const std::vector<int32_t> &bias, int m, int n, int k) {
    std::vector<int32_t> c(static_cast<size_t>(m) * n);
    for (int i = 0; i < m; i++)
        for (int j = 0; j < n; j++) {
            int64_t acc = bias[j];
            for (int kk = 0; kk < k; kk++)
                acc += static_cast<int64_t>(a[static_cast<size_t>(i) * k + kk]) * w[static_cast<size_t>(j) * k + kk];
            c[static_cast<size_t>(i) * n + j] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(acc)));
        }
    return c;
}

}  // namespace mobiq::ref

namespace mobiq::ref {

namespace {

// sum_j coef[j] * x[j] over the non-zero coefficients, left to right, as the
// kernels' linear_combination: the first term (negated if its coefficient
// is), then each added or subtracted; a coefficient other than +-1 multiplies.
float combine_like_kernels(const std::vector<int> &coef, const std::vector<float> &x) {
    float sum = 0;
    bool first = true;
    for (size_t j = 0; j < coef.size(); j++) {
        if (coef[j] == 0) continue;
        const float term = std::abs(coef[j]) == 1 ? x[j] : x[j] * static_cast<float>(std::abs(coef[j]));
        if (first) sum = coef[j] < 0 ? -term : term;
        else sum = coef[j] < 0 ? sum - term : sum + term;
        first = false;
    }
    return sum;
}

}  // namespace

std::vector<int32_t> winograd_conv_int6w8_acc(const std::vector<int8_t> &x, int32_t zx, int h, int w, int c, int n,
                                              const std::vector<int8_t> &weights, const std::vector<int32_t> &bias) {
    const WinogradMatrices &wm = winograd_matrices(2);
    const int a = 4, taps = 16, tx = (w + 1) / 2, ty = (h + 1) / 2;
    std::vector<int32_t> y(size_t(h) * w * n);
    std::vector<int64_t> v(size_t(taps) * c), d(taps), r(taps), mt(taps);
    for (int t0 = 0; t0 < ty; t0++)
        for (int s0 = 0; s0 < tx; s0++) {
            for (int ch = 0; ch < c; ch++) {  // V of (x - zx): the padding and the overhang are 0
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++) {
                        const int yy = 2 * t0 + i - 1, xx = 2 * s0 + j - 1;
                        d[i * a + j] = yy < 0 || yy >= h || xx < 0 || xx >= w ? 0 : x[(size_t(yy) * w + xx) * c + ch] - zx;
                    }
                for (int u = 0; u < a; u++)
                    for (int j = 0; j < a; j++) {
                        int64_t s = 0;
                        for (int i = 0; i < a; i++) s += wm.bt[u][i] * d[i * a + j];
                        r[u * a + j] = s;
                    }
                for (int u = 0; u < a; u++)
                    for (int vv = 0; vv < a; vv++) {
                        int64_t s = 0;
                        for (int j = 0; j < a; j++) s += wm.bt[vv][j] * r[u * a + j];
                        v[size_t(u * a + vv) * c + ch] = s;
                    }
            }
            for (int o = 0; o < n; o++) {
                for (int t = 0; t < taps; t++) {
                    int64_t s = 0;
                    for (int ch = 0; ch < c; ch++) s += v[size_t(t) * c + ch] * weights[(size_t(t) * n + o) * c + ch];
                    mt[t] = s;
                }
                for (int i = 0; i < 2; i++)
                    for (int j = 0; j < 2; j++) {
                        const int yy = 2 * t0 + i, xx = 2 * s0 + j;
                        if (yy >= h || xx >= w) continue;
                        int64_t s = bias[o];
                        for (int u = 0; u < a; u++)
                            for (int vv = 0; vv < a; vv++) s += int64_t(wm.at[i][u]) * wm.at[j][vv] * mt[u * a + vv];
                        y[(size_t(yy) * w + xx) * n + o] = static_cast<int32_t>(static_cast<uint32_t>(static_cast<uint64_t>(s)));
                    }
            }
        }
    return y;
}

std::vector<int8_t> winograd_conv_tapwise(const std::vector<int8_t> &x, int32_t zx, int h, int w, int c, int n, int m,
                                          const std::vector<float> &in_scale, const std::vector<int8_t> &weights,
                                          const std::vector<float> &out_scale, const std::vector<float> &bias,
                                          int32_t zo, int32_t lo, int32_t hi) {
    const WinogradMatrices &wm = winograd_matrices(m);
    const int a = m + 2, taps = a * a, tx = (w + m - 1) / m, ty = (h + m - 1) / m;
    std::vector<int8_t> y(size_t(h) * w * n);
    std::vector<int8_t> vq(size_t(taps) * c);
    std::vector<int32_t> d(taps), r(taps);
    std::vector<float> mf(taps), col(a), cols(size_t(m) * a), row(a);
    for (int t0 = 0; t0 < ty; t0++)
        for (int s0 = 0; s0 < tx; s0++) {
            for (int ch = 0; ch < c; ch++) {  // Vq of the tile, per channel
                for (int i = 0; i < a; i++)
                    for (int j = 0; j < a; j++) {
                        const int yy = m * t0 + i - 1, xx = m * s0 + j - 1;
                        d[i * a + j] = (yy < 0 || yy >= h || xx < 0 || xx >= w ? zx : x[(size_t(yy) * w + xx) * c + ch]) - zx;
                    }
                for (int u = 0; u < a; u++)
                    for (int j = 0; j < a; j++) {
                        int32_t s = 0;
                        for (int i = 0; i < a; i++) s += wm.bt[u][i] * d[i * a + j];
                        r[u * a + j] = s;
                    }
                for (int u = 0; u < a; u++)
                    for (int v = 0; v < a; v++) {
                        int32_t s = 0;
                        for (int j = 0; j < a; j++) s += wm.bt[v][j] * r[u * a + j];
                        const float q = std::nearbyint(static_cast<float>(s) * in_scale[u * a + v]);
                        vq[size_t(u * a + v) * c + ch] = static_cast<int8_t>(std::min(127.0f, std::max(-127.0f, q)));
                    }
            }
            for (int o = 0; o < n; o++) {
                for (int t = 0; t < taps; t++) {
                    int32_t acc = 0;
                    for (int ch = 0; ch < c; ch++)
                        acc += int32_t(vq[size_t(t) * c + ch]) * weights[(size_t(t) * n + o) * c + ch];
                    mf[t] = static_cast<float>(acc) * out_scale[size_t(t) * n + o];
                }
                for (int i = 0; i < m; i++)  // cols(i, v) = sum_u AT[i][u] M(u, v)
                    for (int v = 0; v < a; v++) {
                        for (int u = 0; u < a; u++) col[u] = mf[u * a + v];
                        cols[size_t(i) * a + v] = combine_like_kernels(wm.at[i], col);
                    }
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < m; j++) {
                        const int yy = m * t0 + i, xx = m * s0 + j;
                        if (yy >= h || xx >= w) continue;
                        for (int v = 0; v < a; v++) row[v] = cols[size_t(i) * a + v];
                        const float f = std::min(static_cast<float>(hi - zo),
                                                 std::max(static_cast<float>(lo - zo),
                                                          combine_like_kernels(wm.at[j], row) + bias[o]));
                        y[(size_t(yy) * w + xx) * n + o] = static_cast<int8_t>(static_cast<int32_t>(std::nearbyint(f)) + zo);
                    }
            }
        }
    return y;
}

}  // namespace mobiq::ref
