// Per-channel affine + clamp: BatchNormalization as its own layer (when not
// folded), and, in FP32, a standalone Relu / Clip (the identity, clamped).
// Both run the batch_norm kernels: the depthwise kernels with a 1x1 window.
#include "mobiq/layer_params.h"
#include "int8_weights.h"
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedAffine : Prepared {
    Buffer<float> w_f32, bias_f32;  // (C, 1, 1), (C)
    Buffer<int8_t> w_i8;
    Int8ChannelParams q;
    Kernel<kernel_op::depthwise_conv2d_fp32> fp32;
    Kernel<kernel_op::depthwise_conv2d_int8> int8;
};

class AffineOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (c.int8() && n.op != OpType::kBatchNormalization)
            return {StatusCode::kUnsupported,
                    std::string(op_name(n.op)) + " node '" + n.name + "' has no INT8 kernel (run it in FP32)"};
        return Operator::validate(c, n, p);
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedAffine>();
        const int ch = c.values.at_tensor(n.outputs[0]).c;
        if (c.int8()) {
            const QuantizedNode &q = c.quantized(n);
            if (q.weights.size() != static_cast<size_t>(ch))
                return {StatusCode::kInvalidArgument, "BatchNormalization node '" + n.name + "': weights do not match"};
            k->w_i8 = Buffer<int8_t>(ch, 1, 1);
            std::copy(q.weights.begin(), q.weights.end(), k->w_i8.data());
            k->w_i8.set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(prepare_channel_params(q, ch, &k->q));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "kernel_size=1" + (p.kernel_variant.empty() ? "" : "," + p.kernel_variant), &k->int8));
        } else {
            std::vector<float> scale(ch, 1.0f), shift(ch, 0.0f);  // Relu / Clip: the identity, clamped
            if (n.op == OpType::kBatchNormalization) batch_norm_affine(c.g, n, &scale, &shift);
            k->w_f32 = Buffer<float>(ch, 1, 1);
            k->bias_f32 = Buffer<float>(ch);
            std::copy(scale.begin(), scale.end(), k->w_f32.data());
            std::copy(shift.begin(), shift.end(), k->bias_f32.data());
            k->w_f32.set_host_dirty();
            k->bias_f32.set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "kernel_size=1", &k->fp32));
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &, Prepared *prepared) const override {
        PreparedAffine *k = static_cast<PreparedAffine *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        if (!c.int8()) {
            const float lo = n.clamp_min, hi = n.clamp_max;
            c.add_step(k->fp32.row->name, [&vs, k, xi, yi, lo, hi]() {
                Buffer<float> in = vs.interior<float>(vs[xi]), out = vs.interior<float>(vs[yi]);
                return k->fp32(in, k->w_f32, k->bias_f32, lo, hi, 1, 1, out);
            });
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        c.add_step(k->int8.row->name, [&vs, k, xi, yi, zx, zo, lo, hi]() {
            Buffer<int8_t> in = vs.interior<int8_t>(vs[xi]), out = vs.interior<int8_t>(vs[yi]);
            return k->int8(in, zx, k->w_i8, k->q.zw, k->q.bias, k->q.mult, k->q.shift, zo, lo, hi, 1, 1, out);
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *affine_operator() {
    static const AffineOperator op;
    return &op;
}

}  // namespace mobiq
