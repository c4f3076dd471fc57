// Depthwise 3x3 / 5x5 convolution (group = channels), FP32 and INT8, on the padded
// input (CPU: the value's border; OpenCL: a padded shadow copy), or, where the
// plan took pads_input=true (FP32 3x3 on x86), on the image itself.
#include <algorithm>
#include <cstring>

#include "int8_weights.h"
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedDepthwise : Prepared {
    Buffer<float> w_f32, bias_f32;  // FP32: (C, KW, KH), (C)
    Buffer<int8_t> w_i8;            // INT8: (C, KW, KH)
    Int8ChannelParams q;
    Kernel<kernel_op::depthwise_conv2d_fp32> fp32;
    Kernel<kernel_op::depthwise_conv2d_int8> int8;
};

class DepthwiseOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (n.kernel_h != n.kernel_w || (n.kernel_h != 3 && n.kernel_h != 5))
            return {StatusCode::kUnsupported, "depthwise Conv node '" + n.name + "': only 3x3 and 5x5 windows have a kernel"};
        return Operator::validate(c, n, p);
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedDepthwise>();
        const Tensor &wt = c.g.tensors[n.inputs[1]];
        const int ch = static_cast<int>(wt.shape[0]), ks = n.kernel_h;
        // The 3x3 kernels are the base variant; 5x5 is kernel_size=5.
        std::string params = ks == 3 ? "" : "kernel_size=" + std::to_string(ks);
        if (!p.kernel_variant.empty()) params += (params.empty() ? "" : ",") + p.kernel_variant;
        if (c.int8()) {
            const QuantizedNode &q = c.quantized(n);  // weights (KH, KW, C): channel innermost
            k->w_i8 = Buffer<int8_t>(ch, ks, ks);
            if (q.weights.size() != k->w_i8.number_of_elements())
                return {StatusCode::kInvalidArgument, "depthwise Conv node '" + n.name + "': weights do not match"};
            std::memcpy(k->w_i8.data(), q.weights.data(), q.weights.size());
            k->w_i8.set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(prepare_channel_params(q, ch, &k->q));
            // Symmetric weights in [-127, 127] (what the quantizer makes of symmetric schemes) take the
            // int16-pair variant: the same integers, twice the lanes per multiply.
            const bool symmetric = std::all_of(q.weight_zero_point.begin(), q.weight_zero_point.end(),
                                               [](int32_t z) { return z == 0; }) &&
                                   std::none_of(q.weights.begin(), q.weights.end(), [](int8_t w) { return w == -128; });
            if (symmetric) params += std::string(params.empty() ? "" : ",") + "symmetric_weights=true";
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, params, &k->int8));
        } else {
            k->w_f32 = Buffer<float>(ch, ks, ks);
            for (int o = 0; o < ch; o++)
                for (int y = 0; y < ks; y++)
                    for (int x = 0; x < ks; x++) k->w_f32(o, x, y) = wt.f32[(size_t(o) * ks + y) * ks + x];
            k->bias_f32 = Buffer<float>(ch);
            for (int o = 0; o < ch; o++) k->bias_f32(o) = n.inputs.size() > 2 ? c.g.tensors[n.inputs[2]].f32[o] : 0.0f;
            k->w_f32.set_host_dirty();
            k->bias_f32.set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, params, &k->fp32));
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        PreparedDepthwise *k = static_cast<PreparedDepthwise *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        const int shadow = vs.shadow_for(xi, n);
        if (!c.int8()) {
            const float lo = n.clamp_min, hi = n.clamp_max;
            const bool pads_input = !p.padded_input;  // the plan took pads_input=true
            c.add_step(k->fp32.row->name, [&vs, k, n, xi, yi, shadow, lo, hi, pads_input]() {
                Buffer<float> in;
                if (pads_input) {  // the image placed in the padded frame, its mins the padding
                    in = vs.interior<float>(vs[xi]);
                    in.translate({0, n.pad_left, n.pad_top, 0});
                } else {
                    vs.fill_border<float>(vs[xi], 0.0f);
                    in = vs.padded_input<float>(xi, shadow, n, vs[xi].c);
                }
                Buffer<float> out = vs.interior<float>(vs[yi]);
                return k->fp32(in, k->w_f32, k->bias_f32, lo, hi, n.stride_w, n.stride_h, out);
            });
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        c.add_step(k->int8.row->name, [&vs, k, n, xi, yi, shadow, zx, zo, lo, hi]() {
            vs.fill_border<int8_t>(vs[xi], static_cast<int8_t>(zx));
            Buffer<int8_t> in = vs.padded_input<int8_t>(xi, shadow, n, vs[xi].c), out = vs.interior<int8_t>(vs[yi]);
            return k->int8(in, zx, k->w_i8, k->q.zw, k->q.bias, k->q.mult, k->q.shift, zo, lo, hi, n.stride_w, n.stride_h, out);
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *depthwise_operator() {
    static const DepthwiseOperator op;
    return &op;
}

}  // namespace mobiq
