// Convolution by Winograd F(m x m, 3 x 3) (plan method winograd; docs/winograd.md,
// arithmetic in docs/arithmetic.md "Winograd"): per inference
//   1. the input transform (winograd_input_transform) reads the input (the
//      padding and the last tiles' overhang are its zero point, added by the
//      kernel) into V, one (C, tiles) matrix per tap;
//   2. one GEMM per tap, V_t against the transformed weights U_t, into M
//      (gemm_fp32, gemm_int16, or gemm_int8 with int32 outputs);
//   3. the output transform (winograd_output_transform_*) with the bias,
//      requantization and activation, into the output.
// V and M live in the node's scratch. The weights are transformed once, in
// prepare(). Variants (LayerPlan::winograd):
//   fp32    F(2,3) or F(4,3), FP32 sessions;
//   int16   F(2,3): V = B^T (x - z) B in int16, U' = G' g G'^T (G' = 2G) in
//           int16, exact: equal to the direct convolution of the same operands;
//   int6w4  F(2,3): INT6 inputs and INT4 weights (the quantizer's), so that V
//           (raw x) and U' fit int8: the int8 GEMM (vpdpbusd / sdot); z * sum g
//           goes in the bias. Exact on those operands.
#include <cstring>
#include <chrono>
#include <limits>

#include "int8_weights.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/layer_params.h"
#include "mobiq/winograd_weights.h"
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;
namespace op = kernel_op;

// The tiling of one layer: tiles of m x m outputs, alpha x alpha inputs.
struct Tiling {
    int m = 2, alpha = 4, taps = 16, tx = 0, ty = 0, batch = 1;
    int tiles() const { return tx * ty * batch; }
};

Tiling tiling_of(const Value &y, int m) {
    Tiling t;
    t.m = m;
    t.alpha = m + 2;
    t.taps = t.alpha * t.alpha;
    t.tx = (y.w + m - 1) / m;
    t.ty = (y.h + m - 1) / m;
    t.batch = y.n;
    return t;
}

// Bytes of V (element `v_elem`), rounded up to 64, then M (4-byte elements).
size_t v_units(const Tiling &t, int channels, int v_elem) {
    const size_t bytes = size_t(t.taps) * t.tiles() * channels * v_elem;
    return (bytes + 63) / 64 * 16;  // in 4-byte units
}

// The three stages' times of the last run (a clock read per stage: negligible
// next to a layer), for the profile (LayerInfo::stages).
struct StageClock {
    using clock = std::chrono::steady_clock;
    explicit StageClock(double *ms) : ms_(ms), t_(clock::now()) {}
    void lap(int stage) {
        const auto now = clock::now();
        ms_[stage] = std::chrono::duration<double, std::milli>(now - t_).count();
        t_ = now;
    }

private:
    double *ms_;
    clock::time_point t_;
};

struct PreparedWinograd : Prepared {
    double stage_ms[3] = {0, 0, 0};
    std::string variant;
    int m = 2;
    // Transformed weights, one GEMM operand per tap.
    std::vector<Buffer<float>> rhs_f32;
    std::vector<Buffer<int16_t>> rhs_i16;
    std::vector<Buffer<int8_t>> rhs_i8;
    std::vector<Buffer<int32_t>> colsum;  // int6w4: per tap, for the u8 shift of vpdpbusd
    Buffer<float> bias_f32, zero_f32;
    Buffer<int32_t> bias, zero_i32;       // bias: the output transform's (int6w4: minus z * sum g)
    Int8ChannelParams ch;
    Kernel<op::winograd_input_transform> input;
    Kernel<op::gemm_fp32> gemm_f32;
    Kernel<op::gemm_int16> gemm_i16;
    Kernel<op::gemm_int8> gemm_i8;
#if defined(MOBIQ_CPU_FAMILY_X86)
    Kernel<op::gemm_int8_amx> gemm_amx;  // int6w4 where the plan chose AMX (kernel variant amx=true)
#else
    Kernel<op::gemm_int8> gemm_amx;  // never found: AMX exists on x86 builds only
#endif
    Kernel<op::winograd_output_transform_fp32> output_f32;
    Kernel<op::winograd_output_transform_int> output_int;
};

// V or M as the transforms see it: (c, tx, ty, n, t).
void five_d(const Tiling &t, int c, halide_dimension_t d[5]) {
    d[0] = {0, c, 1};
    d[1] = {0, t.tx, c};
    d[2] = {0, t.ty, c * t.tx};
    d[3] = {0, t.batch, c * t.tx * t.ty};
    d[4] = {0, t.taps, c * t.tiles()};
}

// Tap `tap` of V or M as a GEMM operand / result: (c, tiles).
template <typename T>
Buffer<T> tap_matrix(Values &vs, Value &scratch, size_t base, const Tiling &t, int c, int tap) {
    halide_dimension_t d[2] = {{0, c, 1}, {0, t.tiles(), c}};
    return vs.host_view<T>(scratch, base + size_t(tap) * t.tiles() * c, 2, d);
}

void report_stages(OpContext &c, PreparedWinograd *k) {
    c.set_stages([k](std::vector<std::pair<std::string, double>> *out) {
        *out = {{"input transform", k->stage_ms[0]}, {"tap GEMMs", k->stage_ms[1]}, {"output transform", k->stage_ms[2]}};
    });
}

class WinogradConvOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        std::string why;
        if (p.method != ConvMethod::kWinograd || !winograd_applies(n, &why))
            return {StatusCode::kInternal, "layer '" + n.name + "': planned Winograd, but " +
                                               (why.empty() ? std::string("the method is not winograd") : why)};
        if (c.values.opencl())
            return {StatusCode::kUnsupported, "layer '" + n.name + "': Winograd sessions run on the CPU only"};
        return Operator::validate(c, n, p);
    }

    OpNeeds needs(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        const Value &x = c.values.at_tensor(n.inputs[0]);
        const Value &y = c.values.at_tensor(n.outputs[0]);
        const Tiling t = tiling_of(y, p.winograd_tile);
        const int v_elem = p.winograd == "fp32" ? 4 : p.winograd == "int16" ? 2 : 1;
        return {v_units(t, x.c_alloc, v_elem) + size_t(t.taps) * t.tiles() * y.c, 4};
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedWinograd>();
        k->variant = p.winograd;
        k->m = p.winograd_tile;
        const std::string tile = "tile=" + std::to_string(k->m);
        const Value &x = c.values.at_tensor(n.inputs[0]);
        const int cout = c.values.at_tensor(n.outputs[0]).c, K = x.c_alloc;
        if (k->variant == "fp32") {
            const Tensor &wt = c.g.tensors[n.inputs[1]];
            const std::vector<float> u = winograd_weights_fp32(conv_weights_ohwi(wt).data(), cout, K, k->m);
            const int taps = (k->m + 2) * (k->m + 2);
            for (int t = 0; t < taps; t++) {
                std::vector<float> packed;
                MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(u.data() + size_t(t) * cout * K, K, cout, &packed));
                Buffer<float> b(cout, K);
                std::memcpy(b.data(), packed.data(), packed.size() * sizeof(float));
                k->rhs_f32.push_back(b);
            }
            k->bias_f32 = Buffer<float>(cout);
            k->zero_f32 = Buffer<float>(cout);
            k->zero_f32.fill(0.0f);
            for (int o = 0; o < cout; o++) k->bias_f32(o) = n.inputs.size() > 2 ? c.g.tensors[n.inputs[2]].f32[o] : 0.0f;
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=float32," + tile, &k->input));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "", &k->gemm_f32));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=float32," + tile, &k->output_f32));
            *out = std::move(k);
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        if (q.asymmetric_weights)
            return {StatusCode::kInternal, "layer '" + n.name + "': Winograd takes symmetric weights only"};
        MOBIQ_RETURN_IF_ERROR(prepare_channel_params(q, cout, &k->ch));
        const std::vector<int8_t> w = widen_channels(q.weights, q.weight_zero_point, cout, 9, x.c, K);
        const std::vector<int32_t> u = winograd_f2x3_weights_int(w.data(), cout, K);
        k->zero_i32 = Buffer<int32_t>(cout);
        k->zero_i32.fill(0);
        std::vector<int32_t> bias = q.bias;
        if (k->variant == "int16") {
            for (int t = 0; t < 16; t++) {
                Buffer<int16_t> b(2, cout, K / 2);  // (k % 2, n, k / 2)
                for (int o = 0; o < cout; o++)
                    for (int ch = 0; ch < K; ch++)
                        b(ch % 2, o, ch / 2) = static_cast<int16_t>(u[(size_t(t) * cout + o) * K + ch]);
                k->rhs_i16.push_back(b);
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=int16,tile=2", &k->input));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "", &k->gemm_i16));
        } else if (k->variant == "int6w4") {
            if (!q.winograd_int6w4)
                return {StatusCode::kInternal, "layer '" + n.name + "': not quantized for winograd-int6w4"};
            const int32_t zx = c.zero_point(n.inputs[0]);
            std::vector<int8_t> narrow(size_t(cout) * K);
            for (int t = 0; t < 16; t++) {
                for (size_t i = 0; i < narrow.size(); i++) {
                    const int32_t v = u[size_t(t) * cout * K + i];
                    if (v < -128 || v > 127)
                        return {StatusCode::kInternal, "layer '" + n.name + "': a transformed INT4 weight (" +
                                                           std::to_string(v) + ") does not fit int8"};
                    narrow[i] = static_cast<int8_t>(v);
                }
                PackedGemmInt8Weights packed;
                MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_weights(narrow.data(), K, cout, nullptr, 0, &packed));
                Buffer<int8_t> b(4, cout, K / 4);
                std::memcpy(b.data(), packed.data.data(), packed.data.size());
                k->rhs_i8.push_back(b);
                k->colsum.push_back(int32_constant(packed.column_sum));
            }
            // The input transform keeps the zero point (V of raw x): the bias takes z * sum g.
            for (int o = 0; o < cout; o++) {
                int64_t s = 0;
                for (int i = 0; i < 9 * K; i++) s += w[size_t(o) * 9 * K + i];
                bias[o] -= static_cast<int32_t>(zx * s);
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=int8,tile=2", &k->input));
            if (p.kernel_variant.find("amx=true") != std::string::npos) {
#if defined(MOBIQ_CPU_FAMILY_X86)
                MOBIQ_RETURN_IF_ERROR(c.kernel(n, "amx=true,requantize=false,weight_zero_point=false", &k->gemm_amx));
#else
                return {StatusCode::kInternal, "layer '" + n.name + "': AMX kernels exist on x86 builds only"};
#endif
            } else {
                MOBIQ_RETURN_IF_ERROR(c.kernel(n, "requantize=false,weight_zero_point=false", &k->gemm_i8));
            }
        } else {
            return {StatusCode::kUnsupported, "layer '" + n.name + "': Winograd variant '" + k->variant +
                                                  "' has no session path yet"};
        }
        k->bias = int32_constant(bias);
        std::string out_params = "domain=int,tile=2";
        if (c.qg->requantization == RequantizationMode::kFp32) out_params += ",requantization=fp32";
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, out_params, &k->output_int));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        PreparedWinograd *k = static_cast<PreparedWinograd *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]), si = c.scratch;
        const Tiling t = tiling_of(vs[yi], k->m);
        const int C = vs[xi].c_alloc, N = vs[yi].c;
        const KernelRow *gemm = k->gemm_f32   ? k->gemm_f32.row
                                : k->gemm_i16 ? k->gemm_i16.row
                                : k->gemm_amx ? k->gemm_amx.row
                                              : k->gemm_i8.row;
        const KernelRow *output = k->output_f32 ? k->output_f32.row : k->output_int.row;
        const std::string name = std::string(k->input.row->name) + "+" + gemm->name + " x" + std::to_string(t.taps) +
                                 "+" + output->name;
        const size_t m_base = v_units(t, C, k->variant == "fp32" ? 4 : k->variant == "int16" ? 2 : 1);
        if (k->variant == "fp32") {
            const float lo = n.clamp_min, hi = n.clamp_max;
            c.add_step(name, [&vs, k, t, xi, yi, si, C, N, m_base, lo, hi]() {
                Buffer<float> in = vs.window<float>(vs[xi], vs[xi].border, vs[xi].border, vs[xi].w, vs[xi].h, C);
                halide_dimension_t vd[5], md[5];
                five_d(t, C, vd);
                five_d(t, N, md);
                Buffer<float> v = vs.host_view<float>(vs[si], 0, 5, vd), mm = vs.host_view<float>(vs[si], m_base, 5, md);
                StageClock clock(k->stage_ms);
                if (const int e = k->input(in, 0, v)) return e;
                clock.lap(0);
                const float inf = std::numeric_limits<float>::infinity();
                for (int tap = 0; tap < t.taps; tap++) {
                    Buffer<float> a = tap_matrix<float>(vs, vs[si], 0, t, C, tap);
                    Buffer<float> r = tap_matrix<float>(vs, vs[si], m_base, t, N, tap);
                    if (const int e = k->gemm_f32(a, k->rhs_f32[tap], k->zero_f32, -inf, inf, r)) return e;
                }
                clock.lap(1);
                Buffer<float> out = vs.interior<float>(vs[yi]);
                const int e = k->output_f32(mm, k->bias_f32, lo, hi, out);
                clock.lap(2);
                return e;
            });
            report_stages(c, k);
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        c.add_step(name, [&vs, k, t, xi, yi, si, C, N, m_base, zx, zo, lo, hi]() {
            Buffer<int8_t> in = vs.window<int8_t>(vs[xi], vs[xi].border, vs[xi].border, vs[xi].w, vs[xi].h, C);
            halide_dimension_t vd[5], md[5];
            five_d(t, C, vd);
            five_d(t, N, md);
            Buffer<int32_t> mm = vs.host_view<int32_t>(vs[si], m_base, 5, md);
            StageClock clock(k->stage_ms);
            if (k->variant == "int16") {
                Buffer<int16_t> v = vs.host_view<int16_t>(vs[si], 0, 5, vd);
                if (const int e = k->input(in, zx, v)) return e;
                clock.lap(0);
                for (int tap = 0; tap < 16; tap++) {
                    Buffer<int16_t> a = tap_matrix<int16_t>(vs, vs[si], 0, t, C, tap);
                    Buffer<int32_t> r = tap_matrix<int32_t>(vs, vs[si], m_base, t, N, tap);
                    if (const int e = k->gemm_i16(a, k->rhs_i16[tap], k->zero_i32, r)) return e;
                }
            } else {
                Buffer<int8_t> v = vs.host_view<int8_t>(vs[si], 0, 5, vd);
                if (const int e = k->input(in, zx, v)) return e;
                clock.lap(0);
                for (int tap = 0; tap < 16; tap++) {
                    Buffer<int8_t> a = tap_matrix<int8_t>(vs, vs[si], 0, t, C, tap);
                    Buffer<int32_t> r = tap_matrix<int32_t>(vs, vs[si], m_base, t, N, tap);
                    const int e = k->gemm_amx ? k->gemm_amx(a, 0, k->rhs_i8[tap], k->colsum[tap], k->zero_i32,
                                                            k->zero_i32, k->ch.mult, k->ch.shift, 0, -128, 127, r)
                                              : k->gemm_i8(a, 0, k->rhs_i8[tap], k->colsum[tap], k->zero_i32,
                                                           k->zero_i32, k->ch.mult, k->ch.shift, 0, -128, 127, r);
                    if (e) return e;
                }
            }
            clock.lap(1);
            Buffer<int8_t> out = vs.interior<int8_t>(vs[yi]);
            const int e = k->output_int(mm, k->bias, k->ch.mult, k->ch.shift, zo, lo, hi, out);
            clock.lap(2);
            return e;
        });
        report_stages(c, k);
        return Status::ok();
    }
};

}  // namespace

const Operator *winograd_conv_operator() {
    static const WinogradConvOperator op;
    return &op;
}

}  // namespace mobiq
