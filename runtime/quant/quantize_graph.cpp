// The quantizer (mobiq/quantize.h): activation parameters from calibrated
// ranges, weights per channel / per layer, symmetric / asymmetric, int32
// biases and the per-channel requantization multipliers. docs/quantization.md
// gives the formulas; docs/arithmetic.md the integer arithmetic they feed.
#include <algorithm>
#include <cmath>
#include <limits>

#include "mobiq/layer_params.h"
#include "mobiq/layer_plan.h"
#include "mobiq/quantize.h"
#include "mobiq/winograd_weights.h"

namespace mobiq {

std::string scheme_name(const QuantScheme &s) {
    return std::string(s.symmetric_activations ? "sym" : "asym") + (s.per_channel_weights ? "/per-channel" : "/per-layer") +
           (s.symmetric_weights ? "/sym-w" : "/asym-w") + (s.weight_bits == 7 ? "/w7" : "") +
           (s.requantization == RequantizationMode::kFp32 ? "/fp32-rq" : "") + (s.winograd_int6w4 ? "/int6w4" : "") +
           (s.winograd_int6w8 ? "/int6w8" : "") +
           (s.winograd_tapwise ? "/tapwise-f" + std::to_string(s.winograd_tapwise) : "");
}

// With 4 bits min-max leaves most weights in 2-3 levels; clipping a few
// outliers buys resolution for the rest (decision 32).
float mse_clipped_weight_scale(const std::vector<float> &w, size_t begin, size_t end, double max_abs, double qmax) {
    double best_err = -1;
    float best = static_cast<float>(max_abs / qmax);
    for (int step = 100; step >= 30; step--) {
        const float scale = static_cast<float>(max_abs * step / 100.0 / qmax);
        double err = 0;
        for (size_t i = begin; i < end; i++) {
            const double q = std::min(qmax, std::max(-qmax, std::nearbyint(w[i] / static_cast<double>(scale))));
            const double d = q * scale - w[i];
            err += d * d;
        }
        if (best_err < 0 || err < best_err) best_err = err, best = scale;
    }
    return best;
}

namespace {

int32_t clamp_i8(double v) { return static_cast<int32_t>(std::min(127.0, std::max(-128.0, v))); }

// The clamp of a value into a tensor's integer range.
int32_t clamp_q(double v, const ActivationQuant &q) {
    return static_cast<int32_t>(std::min<double>(q.qmax, std::max<double>(q.qmin, v)));
}

// `bits` = 8, or 6 for the input of a winograd-int6w4 convolution.
ActivationQuant activation_quant(float lo, float hi, bool symmetric, int bits = 8) {
    ActivationQuant q;
    q.qmax = (1 << (bits - 1)) - 1;
    q.qmin = -(1 << (bits - 1));
    if (symmetric) {
        const double m = std::max(std::fabs(lo), std::fabs(hi));
        q.scale = m > 0 ? static_cast<float>(m / q.qmax) : 1.0f;
        q.zero_point = 0;
    } else {
        const double range = static_cast<double>(hi) - lo;
        q.scale = range > 0 ? static_cast<float>(range / (q.qmax - q.qmin)) : 1.0f;
        q.zero_point = clamp_q(std::nearbyint(q.qmin - lo / static_cast<double>(q.scale)), q);
    }
    return q;
}

// Quantizes `count` weights of each of `groups` output channels (w[o * count + i]),
// one scale / zero point per channel or one for all.
// `bits` = 8, 7 (symmetric only: [-63, 63], min-max) or 4 (symmetric only:
// [-7, 7], MSE-clipped) for winograd-int6w4 convolutions.
void quantize_weights(const std::vector<float> &w, int groups, const QuantScheme &s, QuantizedNode *q, int bits = 8) {
    const double qmax = (1 << (bits - 1)) - 1;
    const size_t count = w.size() / groups;
    q->weights.resize(w.size());
    q->weight_scale.assign(groups, 1.0f);
    q->weight_zero_point.assign(groups, 0);
    auto range_of = [&](size_t begin, size_t end, double *lo, double *hi) {
        *lo = 0;
        *hi = 0;
        for (size_t i = begin; i < end; i++) {
            *lo = std::min(*lo, static_cast<double>(w[i]));
            *hi = std::max(*hi, static_cast<double>(w[i]));
        }
    };
    double layer_lo, layer_hi;
    range_of(0, w.size(), &layer_lo, &layer_hi);
    for (int o = 0; o < groups; o++) {
        double lo = layer_lo, hi = layer_hi;
        if (s.per_channel_weights) range_of(o * count, (o + 1) * count, &lo, &hi);
        float scale;
        int32_t zp;
        if (s.symmetric_weights) {
            const double m = std::max(-lo, hi);
            scale = m > 0 ? static_cast<float>(m / qmax) : 1.0f;
            if (bits <= 4 && m > 0) {
                // Per layer: one search over the whole tensor, for the first channel only.
                if (s.per_channel_weights) scale = mse_clipped_weight_scale(w, o * count, (o + 1) * count, m, qmax);
                else scale = o == 0 ? mse_clipped_weight_scale(w, 0, w.size(), m, qmax) : q->weight_scale[0];
            }
            zp = 0;
        } else {
            scale = hi > lo ? static_cast<float>((hi - lo) / 255.0) : 1.0f;
            zp = clamp_i8(std::nearbyint(-128.0 - lo / scale));
        }
        q->weight_scale[o] = scale;
        q->weight_zero_point[o] = zp;
        const double lo_q = s.symmetric_weights ? -qmax : -128;
        for (size_t i = o * count; i < (o + 1) * count; i++)
            q->weights[i] = static_cast<int8_t>(
                std::min(qmax, std::max(lo_q, std::nearbyint(w[i] / static_cast<double>(scale)) + zp)));
        if (zp != 0) q->asymmetric_weights = true;
    }
}

// Bias, multipliers and output clamp of a node whose accumulator has scale s_in * s_w(o).
void finish_accumulating(const std::vector<float> &bias, const ActivationQuant &in, const ActivationQuant &out,
                         const Node &n, QuantizedNode *q) {
    const size_t groups = q->weight_scale.size();
    q->bias.resize(groups);
    q->multiplier.resize(groups);
    q->shift.resize(groups);
    for (size_t o = 0; o < groups; o++) {
        const double acc_scale = static_cast<double>(in.scale) * q->weight_scale[o];
        const double b = bias.empty() ? 0.0 : std::nearbyint(bias[o] / acc_scale);
        q->bias[o] = static_cast<int32_t>(std::min(2147483647.0, std::max(-2147483648.0, b)));
        quantize_multiplier(acc_scale / out.scale, &q->multiplier[o], &q->shift[o]);
    }
    q->output_min = n.clamp_min > -3.4e38f ? clamp_q(out.zero_point + std::nearbyint(n.clamp_min / out.scale), out) : out.qmin;
    q->output_max = n.clamp_max < 3.4e38f ? clamp_q(out.zero_point + std::nearbyint(n.clamp_max / out.scale), out) : out.qmax;
}

// winograd-tapwise (docs/arithmetic.md "Winograd"): the transformed weights
// U = G g G^T in float, quantized per (tap, output channel); the transformed
// input quantized per tap at max |V_t| / 127 from calibration; the scales the
// input and output transforms apply.
Status quantize_tapwise(const Graph &g, const Node &n, const TensorStats &xs, const std::vector<float> &bias,
                        const ActivationQuant &in, const ActivationQuant &out, int m, QuantizedNode *q) {
    const int taps = (m + 2) * (m + 2);
    const Tensor &w = g.tensors[n.inputs[1]];
    const int cout = static_cast<int>(w.shape[0]), cin = static_cast<int>(w.shape[1]);
    if (xs.winograd_absmax.size() != static_cast<size_t>(taps))
        return {StatusCode::kInternal, "quantize_graph: no per-tap statistics for the input of '" + n.name + "'"};
    const std::vector<float> u = winograd_weights_fp32(conv_weights_ohwi(w).data(), cout, cin, m);  // (taps, N, C)
    q->winograd_tapwise = m;
    q->tap_input_scale.assign(taps, 1.0f);
    q->tap_weights.assign(u.size(), 0);
    q->tap_output_scale.assign(size_t(taps) * cout, 0.0f);
    q->tap_bias.assign(cout, 0.0f);
    for (int t = 0; t < taps; t++) {
        const double s_t = xs.winograd_absmax[t] > 0 ? xs.winograd_absmax[t] / 127.0 : 1.0;
        q->tap_input_scale[t] = static_cast<float>(in.scale / s_t);
        for (int oc = 0; oc < cout; oc++) {
            const float *ut = u.data() + (size_t(t) * cout + oc) * cin;
            double mx = 0;
            for (int c = 0; c < cin; c++) mx = std::max(mx, static_cast<double>(std::fabs(ut[c])));
            const double s_w = mx > 0 ? mx / 127.0 : 1.0;
            for (int c = 0; c < cin; c++)
                q->tap_weights[(size_t(t) * cout + oc) * cin + c] =
                    static_cast<int8_t>(std::min(127.0, std::max(-127.0, std::nearbyint(ut[c] / s_w))));
            q->tap_output_scale[size_t(t) * cout + oc] = static_cast<float>(s_t * s_w / out.scale);
        }
    }
    for (int oc = 0; oc < cout; oc++) q->tap_bias[oc] = bias.empty() ? 0.0f : static_cast<float>(bias[oc] / out.scale);
    return Status::ok();
}

// winograd-int6w8 (docs/arithmetic.md "int6w8"): the FP32 weights transformed
// in float, U = G g G^T (16 taps per (oc, ic)), quantized to int8 symmetric
// with one scale per output channel (min-max over its 16 taps and every input
// channel; per layer: over the whole tensor), as tap_weights (16, N, C). The
// accumulator A^T M A then has scale s_in * weight_scale(oc), so
// finish_accumulating's bias and multipliers are its own.
void quantize_int6w8(const Graph &g, const Node &n, const QuantScheme &scheme, QuantizedNode *q) {
    const Tensor &w = g.tensors[n.inputs[1]];
    const int cout = static_cast<int>(w.shape[0]), cin = static_cast<int>(w.shape[1]);
    const std::vector<float> u = winograd_weights_fp32(conv_weights_ohwi(w).data(), cout, cin, 2);  // (16, N, C)
    std::vector<double> mx(cout, 0.0);
    for (int t = 0; t < 16; t++)
        for (int oc = 0; oc < cout; oc++)
            for (int c = 0; c < cin; c++)
                mx[oc] = std::max(mx[oc], static_cast<double>(std::fabs(u[(size_t(t) * cout + oc) * cin + c])));
    if (!scheme.per_channel_weights) {
        const double all = *std::max_element(mx.begin(), mx.end());
        std::fill(mx.begin(), mx.end(), all);
    }
    q->winograd_int6w8 = true;
    q->weights.clear();
    q->weight_zero_point.assign(cout, 0);
    q->weight_scale.assign(cout, 1.0f);
    for (int oc = 0; oc < cout; oc++) q->weight_scale[oc] = mx[oc] > 0 ? static_cast<float>(mx[oc] / 127.0) : 1.0f;
    q->tap_weights.assign(u.size(), 0);
    for (int t = 0; t < 16; t++)
        for (int oc = 0; oc < cout; oc++) {
            const double s_w = q->weight_scale[oc];
            for (int c = 0; c < cin; c++) {
                const size_t i = (size_t(t) * cout + oc) * cin + c;
                q->tap_weights[i] = static_cast<int8_t>(std::min(127.0, std::max(-127.0, std::nearbyint(u[i] / s_w))));
            }
        }
}

}  // namespace

void quantize_multiplier(double real, int32_t *multiplier, int32_t *shift) {
    *multiplier = 0;
    *shift = 0;
    if (!(real > 0)) return;
    int exp = 0;
    const double q = std::frexp(real, &exp);  // real = q * 2^exp, q in [0.5, 1)
    int64_t q31 = std::llround(q * 2147483648.0);
    if (q31 == (int64_t{1} << 31)) {
        q31 /= 2;
        exp++;
    }
    if (exp < -31) return;  // below the kernels' range: the product rounds to 0 anyway
    if (exp > 30) {         // saturate: no network needs this, but never wrap
        q31 = 2147483647;
        exp = 30;
    }
    *multiplier = static_cast<int32_t>(q31);
    *shift = exp;
}

void calibrated_range(const TensorStats &s, const QuantScheme &scheme, float *lo, float *hi) {
    double a = s.min, b = s.max;
    const int bins = static_cast<int>(s.histogram.size());
    const double width = bins > 0 ? (static_cast<double>(s.max) - s.min) / bins : 0;
    double total = 0;
    for (double h : s.histogram) total += h;
    if (scheme.calibration == Calibration::kPercentile && total > 0 && width > 0) {
        // Each tail keeps `percentile` % of the values: cut where the outer share reaches the rest.
        const double cut = total * (100.0 - scheme.percentile) / 100.0;
        double acc = 0;
        int i = 0;
        for (; i < bins && acc + s.histogram[i] <= cut; i++) acc += s.histogram[i];
        a = s.min + i * width;
        acc = 0;
        int j = bins - 1;
        for (; j >= 0 && acc + s.histogram[j] <= cut; j--) acc += s.histogram[j];
        b = s.min + (j + 1) * width;
    } else if (scheme.calibration == Calibration::kEntropy && total > 0 && width > 0) {
        // TensorRT's entropy calibration on |x|: the threshold whose 128-level
        // quantization of the clipped distribution loses the least information (KL).
        const double m = std::max(std::fabs(static_cast<double>(s.min)), std::fabs(static_cast<double>(s.max)));
        const int n = TensorStats::kBins;
        std::vector<double> p_abs(n, 0.0);
        for (int i = 0; i < bins; i++) {
            const double center = std::fabs(s.min + (i + 0.5) * width);
            p_abs[std::min(n - 1, static_cast<int>(center / m * n))] += s.histogram[i];
        }
        // Leave the bin of zero out of the search: after a ReLU most values are
        // exactly 0, which every range represents exactly (the zero point), and
        // that spike, spread by Q over its level's bins, makes the KL grow with
        // the threshold, so the search picked the smallest one (m / 16) and
        // clipped every layer (MobileNetV2: 6 % top-1; docs/accuracy.md).
        p_abs[0] = 0;
        const int levels = 128;
        double best_kl = std::numeric_limits<double>::infinity();
        int best = n;
        for (int t = levels; t <= n; t += 16) {
            std::vector<double> p(p_abs.begin(), p_abs.begin() + t);
            for (int i = t; i < n; i++) p[t - 1] += p_abs[i];  // outliers clipped into the last bin
            std::vector<double> qd(t, 0.0);
            for (int l = 0; l < levels; l++) {
                const int b0 = l * t / levels, b1 = (l + 1) * t / levels;
                double sum = 0;
                int nonzero = 0;
                for (int i = b0; i < b1; i++) {
                    sum += p_abs[i];
                    nonzero += p_abs[i] > 0;
                }
                for (int i = b0; i < b1; i++)
                    if (p_abs[i] > 0) qd[i] = sum / nonzero;
            }
            double ps = 0, qs = 0;
            for (int i = 0; i < t; i++) {
                ps += p[i];
                qs += qd[i];
            }
            double kl = 0;
            for (int i = 0; i < t; i++)
                if (p[i] > 0) kl += qd[i] > 0 ? p[i] / ps * std::log((p[i] / ps) / (qd[i] / qs)) : 1.0;  // q = 0 where p > 0: penalize
            if (kl < best_kl) {
                best_kl = kl;
                best = t;
            }
        }
        const double threshold = (best + 0.5) * m / n;
        a = std::max(a, -threshold);
        b = std::min(b, threshold);
    }
    *lo = static_cast<float>(std::min(a, 0.0));
    *hi = static_cast<float>(std::max(b, 0.0));
}

Status quantize_graph(const Graph &graph, const std::vector<TensorStats> &stats, const QuantScheme &scheme,
                      QuantizedGraph *out) {
    out->graph = graph;
    const Graph &g = out->graph;
    out->tensors.assign(g.tensors.size(), ActivationQuant{});
    out->nodes.assign(g.nodes.size(), QuantizedNode{});
    out->requantization = scheme.requantization;
    if (stats.size() != g.tensors.size()) return {StatusCode::kInternal, "quantize_graph: stats do not match the graph"};
    // winograd-int6w4: the convolutions whose input can be INT6 (the tensor,
    // and through ops that keep their input's scale (pooling, Flatten) the
    // tensor its producer writes, which must be a node's, not a graph input).
    // winograd-int6w8: the same inputs, within its int32 bound (the wider
    // layers keep INT8 and run another method; the plan says why).
    std::vector<bool> int6(g.tensors.size(), false), int6_conv(g.nodes.size(), false);
    if (scheme.weight_bits != 8 && scheme.weight_bits != 7)
        return {StatusCode::kInvalidArgument, "weight bits must be 8 or 7, got " + std::to_string(scheme.weight_bits)};
    if (scheme.weight_bits == 7 && !scheme.symmetric_weights)
        return {StatusCode::kInvalidArgument, "7-bit weights are symmetric ([-63, 63]): use symmetric weights "
                                              "(--weight-scheme sym)"};
    if (scheme.winograd_tapwise && !scheme.symmetric_weights)
        return {StatusCode::kInvalidArgument, "winograd-tapwise quantizes the transformed weights symmetrically: use "
                                              "symmetric weights (--weight-scheme sym)"};
    if (scheme.winograd_int6w4 && scheme.winograd_int6w8)
        return {StatusCode::kInvalidArgument, "winograd-int6w4 and winograd-int6w8 quantize the same layers otherwise: "
                                              "choose one"};
    if (scheme.winograd_int6w8 && !scheme.symmetric_weights)
        return {StatusCode::kInvalidArgument, "winograd-int6w8 quantizes the transformed weights symmetrically: use "
                                              "symmetric weights (--weight-scheme sym)"};
    if (scheme.winograd_int6w4 || scheme.winograd_int6w8) {
        if (scheme.winograd_int6w4 && !scheme.symmetric_weights)
            return {StatusCode::kInvalidArgument, "winograd-int6w4 quantizes weights to symmetric INT4: use symmetric "
                                                  "weights (--weight-scheme sym)"};
        for (size_t i = 0; i < g.nodes.size(); i++) {
            if (!winograd_applies(g, g.nodes[i])) continue;
            if (scheme.winograd_int6w8 &&
                (g.tensors[g.nodes[i].inputs[0]].shape[1] + 3) / 4 * 4 > kWinogradInt6w8MaxChannels)
                continue;
            std::vector<int> chain{g.nodes[i].inputs[0]};
            while (true) {
                const int p = g.producer(chain.back());
                if (p < 0) break;
                const OpType op = g.nodes[p].op;
                if (op != OpType::kMaxPool && op != OpType::kAveragePool && op != OpType::kGlobalAveragePool &&
                    op != OpType::kFlatten)
                    break;
                chain.push_back(g.nodes[p].inputs[0]);
            }
            if (g.producer(chain.back()) < 0) continue;  // a graph input: quantized to INT8 by the caller's data
            for (int t : chain) int6[t] = true;
            int6_conv[i] = true;
        }
    }
    auto from_stats = [&](int t) {
        float lo, hi;
        // The graph's outputs keep their full range whatever the method: clipping
        // the largest logits would change exactly the values a classifier reads.
        QuantScheme s = scheme;
        if (std::find(g.outputs.begin(), g.outputs.end(), t) != g.outputs.end()) s.calibration = Calibration::kMinMax;
        calibrated_range(stats[t], s, &lo, &hi);
        out->tensors[t] = activation_quant(lo, hi, scheme.symmetric_activations, int6[t] ? 6 : 8);
    };
    for (int t : g.inputs) from_stats(t);
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        QuantizedNode &q = out->nodes[i];
        const int x = n.inputs[0], y = n.outputs[0];
        switch (n.op) {
            case OpType::kMaxPool:
            case OpType::kAveragePool:
            case OpType::kGlobalAveragePool:
            case OpType::kFlatten:
                out->tensors[y] = out->tensors[x];  // these keep the input's scale and zero point
                continue;
            default:
                from_stats(y);
        }
        const ActivationQuant &in = out->tensors[x], &o = out->tensors[y];
        switch (n.op) {
            case OpType::kConv: {
                const Tensor &w = g.tensors[n.inputs[1]];
                const int cout = static_cast<int>(w.shape[0]);
                const int kh = static_cast<int>(w.shape[2]), kw = static_cast<int>(w.shape[3]);
                const std::vector<float> empty;
                const std::vector<float> &bias = n.inputs.size() > 2 ? g.tensors[n.inputs[2]].f32 : empty;
                if (n.group > 1) {
                    // Depthwise: quantize per channel as (C, 9), then store (KH, KW, C).
                    quantize_weights(w.f32, cout, scheme, &q);
                    std::vector<int8_t> hwc(q.weights.size());
                    for (int c = 0; c < cout; c++)
                        for (int k = 0; k < kh * kw; k++) hwc[size_t(k) * cout + c] = q.weights[size_t(c) * kh * kw + k];
                    q.weights = std::move(hwc);
                } else {
                    // per channel: same values, OHWI
                    const bool int4 = int6_conv[i] && scheme.winograd_int6w4;
                    quantize_weights(conv_weights_ohwi(w), cout, scheme, &q, int4 ? 4 : scheme.weight_bits);
                    q.winograd_int6w4 = int4;
                }
                finish_accumulating(bias, in, o, n, &q);
                if (int6_conv[i] && scheme.winograd_int6w8) {
                    QuantizedNode w8 = q;
                    quantize_int6w8(g, n, scheme, &w8);
                    finish_accumulating(bias, in, o, n, &w8);
                    // A bias too large for the bound (never seen): this layer stays INT8.
                    bool fits = true;
                    const int64_t k = (static_cast<int64_t>(w.shape[1]) + 3) / 4 * 4;
                    for (int32_t b : w8.bias) fits = fits && winograd_int6w8_bias_fits(k, b);
                    if (fits) q = std::move(w8);
                }
                if (scheme.winograd_tapwise && n.group <= 1 && winograd_applies(g, n))
                    MOBIQ_RETURN_IF_ERROR(quantize_tapwise(g, n, stats[x], bias, in, o, scheme.winograd_tapwise, &q));
                break;
            }
            case OpType::kGemm: {
                const std::vector<float> bias = gemm_bias(g, n);
                quantize_weights(gemm_weights_nk(g, n), static_cast<int>(bias.size()), scheme, &q, scheme.weight_bits);
                finish_accumulating(bias, in, o, n, &q);
                break;
            }
            case OpType::kBatchNormalization: {
                std::vector<float> s, b;
                batch_norm_affine(g, n, &s, &b);
                quantize_weights(s, static_cast<int>(s.size()), scheme, &q);
                finish_accumulating(b, in, o, n, &q);
                break;
            }
            case OpType::kAdd: {
                const ActivationQuant &a = out->tensors[n.inputs[0]], &b = out->tensors[n.inputs[1]];
                const double twice_max = 2.0 * std::max(a.scale, b.scale);
                q.add.left_shift = 20;
                q.add.a_zero_point = a.zero_point;
                q.add.b_zero_point = b.zero_point;
                quantize_multiplier(a.scale / twice_max, &q.add.a_multiplier, &q.add.a_shift);
                quantize_multiplier(b.scale / twice_max, &q.add.b_multiplier, &q.add.b_shift);
                quantize_multiplier(twice_max / ((1 << q.add.left_shift) * static_cast<double>(o.scale)),
                                    &q.add.output_multiplier, &q.add.output_shift);
                if (q.add.output_shift > 0)  // add_int8 takes multipliers below one, as TFLite's ADD
                    return {StatusCode::kUnsupported, "Add node '" + n.name +
                                                          "': its output scale is over 2^19 times smaller than its "
                                                          "inputs'; INT8 cannot represent this addition"};
                q.output_min = n.clamp_min > -3.4e38f ? clamp_q(o.zero_point + std::nearbyint(n.clamp_min / o.scale), o) : o.qmin;
                q.output_max = n.clamp_max < 3.4e38f ? clamp_q(o.zero_point + std::nearbyint(n.clamp_max / o.scale), o) : o.qmax;
                break;
            }
            case OpType::kRelu:
            case OpType::kClip:
                return {StatusCode::kUnsupported, std::string(op_name(n.op)) + " node '" + n.name +
                                                      "': INT8 runs activations fused into the op before them; "
                                                      "this one follows an op it cannot fuse into"};
            case OpType::kSoftmax:
                if (i + 1 == g.nodes.size() && g.outputs.size() == 1 && g.outputs[0] == y) break;  // runs in FP32
                return {StatusCode::kUnsupported, "Softmax node '" + n.name +
                                                      "': INT8 graphs run a Softmax only as their last op (in FP32)"};
            default:
                break;
        }
    }
    return Status::ok();
}

}  // namespace mobiq
