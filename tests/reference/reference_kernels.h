// Plain scalar C++ references for the kernels: written from the definitions in
// docs/arithmetic.md (gemmlowp's output-stage arithmetic, the zero-point GEMM
// as a direct sum of (a - za)(w - zw)), sharing no code with the generators.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace mobiq::ref {

// gemmlowp SaturatingRoundingDoublingHighMul.
int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b);
// gemmlowp RoundingDivideByPOT, exponent in [0, 31].
int32_t rounding_divide_by_pot(int32_t x, int exponent);
// TFLite MultiplyByQuantizedMultiplier with a saturating left shift.
int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift);

// Splits a real multiplier (> 0) into a Q31 multiplier in [2^30, 2^31) and a shift.
void quantize_multiplier(double real, int32_t *multiplier, int *shift);

// fp32 requantization (docs/arithmetic.md): the scale fl(multiplier) * 2^(shift - 31),
// out = clamp(rne(fl(acc) * scale), lo - z, hi - z) + z.
int8_t requantize_fp32(int32_t acc, int32_t multiplier, int shift, int32_t zero_point, int32_t lo, int32_t hi);

struct Requantization {
    std::vector<int32_t> multiplier, shift;  // N entries (per channel) or 1 (per layer)
    int32_t output_zero_point = 0, output_min = -128, output_max = 127;
    bool fp32 = false;  // fp32 requantization instead of gemmlowp's
    int8_t apply(int32_t acc, int channel) const;
};

// in and out are (rows, channels), channels innermost.
std::vector<int8_t> requantize(const std::vector<int32_t> &in, int channels, const Requantization &rq);

// C(m, n) = sum_k (A(m, k) - za) * (W(n, k) - zw(n)) + bias(n); A is (M, K), W is (N, K).
// zw has N entries or 1. Returns int32 (M, N).
std::vector<int32_t> gemm_int8_acc(const std::vector<int8_t> &a, int32_t za, const std::vector<int8_t> &w,
                                   const std::vector<int32_t> &zw, const std::vector<int32_t> &bias, int m, int n,
                                   int k);

// C(m, n) = clamp(sum_k A(m, k) * W(n, k) + bias(n), lo, hi), accumulated in double.
std::vector<float> gemm_fp32(const std::vector<float> &a, const std::vector<float> &w,
                             const std::vector<float> &bias, float lo, float hi, int m, int n, int k);

}  // namespace mobiq::ref

namespace mobiq::ref {

// A 2-D convolution layer, NHWC, batch 1, symmetric padding.
struct ConvShape {
    int h, w, cin, cout, kh, kw, stride, pad;
    int out_h() const { return (h + 2 * pad - kh) / stride + 1; }
    int out_w() const { return (w + 2 * pad - kw) / stride + 1; }
    int k() const { return cin * kh * kw; }
};

// int32 (OH, OW, Cout) = sum over the receptive field of (x - zx) * (w - zw(co)) + bias(co);
// input (H, W, Cin), weights OHWI (Cout, KH, KW, Cin); padding is real zero (x = zx).
std::vector<int32_t> conv2d_int8_acc(const std::vector<int8_t> &input, int32_t zx, const std::vector<int8_t> &weights,
                                     const std::vector<int32_t> &zw, const std::vector<int32_t> &bias,
                                     const ConvShape &s);

// float (OH, OW, Cout), double accumulation, clamped to [lo, hi].
std::vector<float> conv2d_fp32(const std::vector<float> &input, const std::vector<float> &weights,
                               const std::vector<float> &bias, float lo, float hi, const ConvShape &s);

}  // namespace mobiq::ref

namespace mobiq::ref {

// Depthwise k x k convolution, NHWC, batch 1, symmetric padding: input (H, W, C),
// weights (KH, KW, C) (channel innermost); s.cin == s.cout == C, s.kh == s.kw == k.
// int32 (OH, OW, C) = bias(c) + sum (x - zx) * (w - zw(c)); padding is real zero.
std::vector<int32_t> depthwise_int8_acc(const std::vector<int8_t> &input, int32_t zx, const std::vector<int8_t> &weights,
                                        const std::vector<int32_t> &zw, const std::vector<int32_t> &bias,
                                        const ConvShape &s);
std::vector<float> depthwise_fp32(const std::vector<float> &input, const std::vector<float> &weights,
                                  const std::vector<float> &bias, float lo, float hi, const ConvShape &s);

}  // namespace mobiq::ref

namespace mobiq::ref {

// Pooling over (H, W, C) NHWC tensors; windows never read padding: max over
// the taps inside the image, average over the taps inside (count_include_pad = 0).
struct PoolShape {
    int h, w, c, kh, kw, stride, pad;
    int out_h() const { return (h + 2 * pad - kh) / stride + 1; }
    int out_w() const { return (w + 2 * pad - kw) / stride + 1; }
};
template <typename T>
std::vector<T> max_pool(const std::vector<T> &in, const PoolShape &s);
// int8: the int32 sum divided by the count, rounded half away from zero (TFLite).
std::vector<int8_t> average_pool_int8(const std::vector<int8_t> &in, const PoolShape &s);
std::vector<float> average_pool_fp32(const std::vector<float> &in, const PoolShape &s);

// TFLite's quantized ADD (docs/arithmetic.md, "Add").
struct AddParams {
    int32_t a_zero_point, a_multiplier, a_shift, b_zero_point, b_multiplier, b_shift;
    int32_t left_shift, output_multiplier, output_shift, output_zero_point, output_min, output_max;
    bool fp32 = false;  // fp32 requantization: each input's scale relative to the output as a float
};
int8_t add_int8(int8_t a, int8_t b, const AddParams &p);
// The parameters TFLite derives from the real scales.
AddParams make_add_params(double a_scale, int32_t a_zero, double b_scale, int32_t b_zero, double out_scale,
                          int32_t out_zero, int32_t out_min, int32_t out_max);

int8_t quantize(float x, float inverse_scale, int32_t zero_point);  // round half to even
float dequantize(int8_t q, float scale, int32_t zero_point);

// Softmax over the dense dimension of a (K, N) matrix (x[n * K + k]), in double.
std::vector<double> softmax(const std::vector<float> &x, int k, int n);

}  // namespace mobiq::ref

namespace mobiq::ref {

// Winograd F(m x m, 3 x 3), m = 2 or 4 (alpha = m + 2): alpha x alpha input
// tiles m pixels apart, tap t = alpha * u + v. The buffers, channels
// innermost, in the kernels' memory order (docs/arithmetic.md, "Winograd"):
//   padded input  (hp, wp, C): pixel (y, x) of the padded image, index 0 the first padding row / column;
//   V and M       (taps, tiles_y, tiles_x, C);
//   output        (oh, ow, C) with oh <= m * tiles_y, ow <= m * tiles_x.
struct WinogradGeometry {
    int m = 2, channels = 0, tiles_x = 0, tiles_y = 0;
    int wp = 0, hp = 0;  // at least m * tiles + 2 (the input); unused by the output transforms
    int alpha() const { return m + 2; }
    int taps() const { return alpha() * alpha(); }
    size_t tile_values() const { return static_cast<size_t>(taps()) * tiles_y * tiles_x * channels; }
};

// The matrices of F(m x m, 3 x 3) (Lavin & Gray, interpolation points 0, +-1
// (m = 2) and 0, +-1, +-2 (m = 4), and infinity): V = BT d BT^T, U = G g G^T,
// Y = AT M AT^T.
struct WinogradMatrices {
    std::vector<std::vector<int>> bt;      // alpha x alpha
    std::vector<std::vector<int>> at;      // m x alpha
    std::vector<std::vector<double>> g;    // alpha x 3
};
const WinogradMatrices &winograd_matrices(int m);

// BT (d - z) BT^T of every tile, exactly.
std::vector<int64_t> winograd_input_exact(const std::vector<int8_t> &x, int32_t z, const WinogradGeometry &g);
// Domain int8 (F(2,3), int6w4): BT d BT^T of the raw values (no zero point), saturated to int8.
std::vector<int8_t> winograd_input_int8(const std::vector<int8_t> &x, const WinogradGeometry &g);
// Domain int16 (F(2,3)): BT (d - z) BT^T (|V| <= 4 * 255, always fits).
std::vector<int16_t> winograd_input_int16(const std::vector<int8_t> &x, int32_t z, const WinogradGeometry &g);
// Domain tapwise: clamp(rne(fl(fl(V) * tap_scale(t))), -127, 127), V exact: one float
// multiply, so every target gets these bits.
std::vector<int8_t> winograd_input_tapwise(const std::vector<int8_t> &x, int32_t z, const std::vector<float> &tap_scale,
                                           const WinogradGeometry &g);
// Domain float32, in double; `magnitude` (if given) gets sum |BT| |d| |BT^T| per
// value, what a float computation's rounding errors are relative to.
std::vector<double> winograd_input_fp32(const std::vector<float> &x, const WinogradGeometry &g,
                                        std::vector<double> *magnitude = nullptr);

// Domain int (F(2,3), U' = 4U): acc = int32(AT M AT^T mod 2^32) >> 2 (arithmetic) + bias(c),
// (oh, ow, C); the kernel then requantizes it (Requantization::apply).
// float_weights (weight_transform=float, int6w8: M of int8 U = G g G^T, no factor 4):
// acc = int32((AT M AT^T + bias(c)) mod 2^32), no shift.
std::vector<int32_t> winograd_output_int_acc(const std::vector<int32_t> &m, const std::vector<int32_t> &bias,
                                             const WinogradGeometry &g, int oh, int ow, bool float_weights = false);
// Domain float32, in double: AT M AT^T + bias(c), before the clamp; `magnitude`:
// sum |AT| |M| |AT^T| + |bias|.
std::vector<double> winograd_output_fp32(const std::vector<float> &m, const std::vector<float> &bias,
                                         const WinogradGeometry &g, int oh, int ow,
                                         std::vector<double> *magnitude = nullptr);
// Domain tapwise, in double: AT (fl(M) * tap_scale) AT^T + bias(c), in output
// steps around the zero point, before rounding; tap_scale is (taps, C)
// (tap_scale[t * C + c]); `magnitude` as for float32.
std::vector<double> winograd_output_tapwise(const std::vector<int32_t> &m, const std::vector<float> &tap_scale,
                                            const std::vector<float> &bias, const WinogradGeometry &g, int oh, int ow,
                                            std::vector<double> *magnitude = nullptr);
// The tapwise epilogue of one value f: clamp(rne(f), lo - z, hi - z) + z.
int8_t winograd_tapwise_output_value(double f, int32_t z, int32_t lo, int32_t hi);

// A whole winograd-int6w8 convolution (3x3, stride 1, pad 1, F(2x2, 3x3);
// docs/arithmetic.md "int6w8"), x (h, w, c) INT6 values with zero point zx,
// weights (16, n, c) int8 (U = G g G^T quantized per output channel), bias in
// the accumulator's scale: the accumulators (h, w, n) before requantization,
// int32(AT (sum_c U . BT (x - zx) BT^T) AT^T + bias mod 2^32). Written from the
// definition (the zero point subtracted before the transform, 64-bit sums),
// not as the kernels order it (raw x, the zero point in the bias, 32-bit).
std::vector<int32_t> winograd_conv_int6w8_acc(const std::vector<int8_t> &x, int32_t zx, int h, int w, int c, int n,
                                              const std::vector<int8_t> &weights, const std::vector<int32_t> &bias);

// A whole winograd-tapwise convolution (3x3, stride 1, pad 1; F(m x m, 3 x 3))
// in the order of operations the kernels run, every float operation rounded
// on its own, so the result is bit-identical (the reference executor's
// tapwise layers): V = B^T (x - z) B exact; Vq = clamp(rne(fl(V) * in_scale[t]),
// -127, 127); M = sum_c Vq * W (t, N, C); then per output, in float,
// AT (fl(M) * out_scale[t * N + n]) AT^T (each sum left to right over the
// non-zero coefficients) + bias[n], clamped to [lo - zo, hi - zo], rne, + zo.
// x is (H, W, C), the result (H, W, N).
std::vector<int8_t> winograd_conv_tapwise(const std::vector<int8_t> &x, int32_t zx, int h, int w, int c, int n, int m,
                                          const std::vector<float> &in_scale, const std::vector<int8_t> &weights,
                                          const std::vector<float> &out_scale, const std::vector<float> &bias,
                                          int32_t zo, int32_t lo, int32_t hi);

// gemm_int16: C(m, n) = sum_k A(m, k) * W(n, k) + bias(n), wrapping in 32 bits;
// A is (M, K), W is (N, K). Returns int32 (M, N).
std::vector<int32_t> gemm_int16_acc(const std::vector<int16_t> &a, const std::vector<int16_t> &w,
                                    const std::vector<int32_t> &bias, int m, int n, int k);

}  // namespace mobiq::ref
