#include "reference/reference_executor.h"

#include <map>

#include "reference/reference_kernels.h"

namespace mobiq::ref {
namespace {

// An activation: (H, W, C) int8, channel innermost (batch 1).
struct Act {
    int h = 1, w = 1, c = 1;
    std::vector<int8_t> q;
};

Requantization requantization(const QuantizedNode &q, int32_t zero_point, bool fp32) {
    Requantization rq;
    rq.fp32 = fp32;
    rq.multiplier = q.multiplier;
    rq.shift = q.shift;
    rq.output_zero_point = zero_point;
    rq.output_min = q.output_min;
    rq.output_max = q.output_max;
    return rq;
}

bool symmetric_geometry(const Node &n, std::string *error) {
    if (n.pad_top == n.pad_left && n.pad_top == n.pad_bottom && n.pad_top == n.pad_right && n.stride_h == n.stride_w)
        return true;
    *error = "reference executor: node '" + n.name + "' has asymmetric padding or strides";
    return false;
}

}  // namespace

std::vector<float> run_quantized_graph(const QuantizedGraph &qg, const std::vector<float> &input, std::string *error) {
    const Graph &g = qg.graph;
    const bool fp32 = qg.requantization == RequantizationMode::kFp32;
    if (g.inputs.size() != 1 || g.outputs.size() != 1) {
        *error = "reference executor: one input and one output only";
        return {};
    }
    std::map<int, Act> acts;
    {
        const auto &s = g.tensors[g.inputs[0]].shape;  // (1, C, H, W)
        if (s.size() != 4 || s[0] != 1) {
            *error = "reference executor: batch-1 image input only";
            return {};
        }
        Act a{static_cast<int>(s[2]), static_cast<int>(s[3]), static_cast<int>(s[1]), {}};
        const ActivationQuant &iq = qg.tensors[g.inputs[0]];
        a.q.resize(size_t(a.h) * a.w * a.c);
        for (int c = 0; c < a.c; c++)
            for (int y = 0; y < a.h; y++)
                for (int x = 0; x < a.w; x++)
                    a.q[(size_t(y) * a.w + x) * a.c + c] =
                        quantize(input[(size_t(c) * a.h + y) * a.w + x], iq.inverse_scale(), iq.zero_point);
        acts[g.inputs[0]] = std::move(a);
    }
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        const QuantizedNode &q = qg.nodes[i];
        const Act &x = acts.at(n.inputs[0]);
        const int32_t zx = qg.tensors[n.inputs[0]].zero_point, zo = qg.tensors[n.outputs[0]].zero_point;
        const auto &os = g.tensors[n.outputs[0]].shape;
        Act y;
        if (os.size() == 4) {
            y.c = static_cast<int>(os[1]);
            y.h = static_cast<int>(os[2]);
            y.w = static_cast<int>(os[3]);
        } else {
            y.c = static_cast<int>(os[1]);
        }
        switch (n.op) {
            case OpType::kConv: {
                if (!symmetric_geometry(n, error)) return {};
                const ConvShape s{x.h, x.w, x.c, y.c, n.kernel_h, n.kernel_w, n.stride_h, n.pad_top};
                if (q.winograd_tapwise) {  // quantized per Winograd tap: its own arithmetic (docs/arithmetic.md)
                    y.q = winograd_conv_tapwise(x.q, zx, x.h, x.w, x.c, y.c, q.winograd_tapwise, q.tap_input_scale,
                                                q.tap_weights, q.tap_output_scale, q.tap_bias, zo, q.output_min,
                                                q.output_max);
                    break;
                }
                if (q.winograd_int6w8) {  // weights transformed in float: its own arithmetic
                    y.q = requantize(winograd_conv_int6w8_acc(x.q, zx, x.h, x.w, x.c, y.c, q.tap_weights, q.bias), y.c,
                                     requantization(q, zo, fp32));
                    break;
                }
                const auto acc = n.group > 1 ? depthwise_int8_acc(x.q, zx, q.weights, q.weight_zero_point, q.bias, s)
                                             : conv2d_int8_acc(x.q, zx, q.weights, q.weight_zero_point, q.bias, s);
                y.q = requantize(acc, y.c, requantization(q, zo, fp32));
                break;
            }
            case OpType::kBatchNormalization: {
                const ConvShape s{x.h, x.w, x.c, x.c, 1, 1, 1, 0};
                y.q = requantize(depthwise_int8_acc(x.q, zx, q.weights, q.weight_zero_point, q.bias, s), y.c,
                                 requantization(q, zo, fp32));
                break;
            }
            case OpType::kGemm: {
                const int k = x.h * x.w * x.c;
                y.q = requantize(gemm_int8_acc(x.q, zx, q.weights, q.weight_zero_point, q.bias, 1, y.c, k), y.c,
                                 requantization(q, zo, fp32));
                break;
            }
            case OpType::kFlatten:
                y.q = x.q;  // NHWC order: the order the quantizer gave the Gemm's weights
                break;
            case OpType::kMaxPool:
            case OpType::kAveragePool: {
                if (!symmetric_geometry(n, error)) return {};
                if (n.kernel_h != n.kernel_w) {
                    *error = "reference executor: square pooling windows only";
                    return {};
                }
                const PoolShape s{x.h, x.w, x.c, n.kernel_h, n.kernel_w, n.stride_h, n.pad_top};
                y.q = n.op == OpType::kMaxPool ? max_pool<int8_t>(x.q, s) : average_pool_int8(x.q, s);
                break;
            }
            case OpType::kGlobalAveragePool:
                y.q = average_pool_int8(x.q, PoolShape{x.h, x.w, x.c, x.h, x.w, 1, 0});
                break;
            case OpType::kAdd: {
                const Act &b = acts.at(n.inputs[1]);
                const AddParams p{q.add.a_zero_point,      q.add.a_multiplier, q.add.a_shift,
                                  q.add.b_zero_point,      q.add.b_multiplier, q.add.b_shift,
                                  q.add.left_shift,        q.add.output_multiplier,
                                  q.add.output_shift,      zo,
                                  q.output_min,            q.output_max,
                                  fp32};
                y.q.resize(x.q.size());
                for (size_t j = 0; j < x.q.size(); j++) y.q[j] = add_int8(x.q[j], b.q[j], p);
                break;
            }
            case OpType::kSoftmax: {  // the final op, in FP32 on the dequantized logits
                if (i + 1 != g.nodes.size()) {
                    *error = "reference executor: Softmax only as the last op";
                    return {};
                }
                std::vector<float> logits(x.q.size());
                for (size_t j = 0; j < x.q.size(); j++) logits[j] = dequantize(x.q[j], qg.tensors[n.inputs[0]].scale, zx);
                const auto p = softmax(logits, x.c, 1);
                return std::vector<float>(p.begin(), p.end());
            }
            default:
                *error = std::string("reference executor: no reference for ") + op_name(n.op);
                return {};
        }
        acts[n.outputs[0]] = std::move(y);
    }
    const Act &o = acts.at(g.outputs[0]);
    const ActivationQuant &oq = qg.tensors[g.outputs[0]];
    std::vector<float> out(o.q.size());
    for (int c = 0; c < o.c; c++)  // NHWC -> NCHW ((N, K) when h = w = 1)
        for (int y = 0; y < o.h; y++)
            for (int x = 0; x < o.w; x++)
                out[(size_t(c) * o.h + y) * o.w + x] =
                    dequantize(o.q[(size_t(y) * o.w + x) * o.c + c], oq.scale, oq.zero_point);
    return out;
}

}  // namespace mobiq::ref
