// Max and average pooling, FP32 and INT8 (the padding is the kernel's own:
// the window is clipped to the image, ONNX's count_include_pad = 0).
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedPool : Prepared {
    Kernel<kernel_op::pool2d> pool;
};

class PoolOperator final : public Operator {
public:
    Status prepare(const OpContext &c, const Node &n, const LayerPlan &, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedPool>();
        const std::string params = std::string(n.op == OpType::kMaxPool ? "average=false" : "average=true") +
                                   (c.int8() ? ",element_type=int8" : ",element_type=float32");
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, params, &k->pool));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &, Prepared *prepared) const override {
        PreparedPool *k = static_cast<PreparedPool *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        if (c.int8()) {
            c.add_step(k->pool.row->name, [&vs, k, n, xi, yi]() {
                Buffer<int8_t> in = vs.interior<int8_t>(vs[xi]), out = vs.interior<int8_t>(vs[yi]);
                return k->pool(n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, n.pad_left, n.pad_top, in, out);
            });
        } else {
            c.add_step(k->pool.row->name, [&vs, k, n, xi, yi]() {
                Buffer<float> in = vs.interior<float>(vs[xi]), out = vs.interior<float>(vs[yi]);
                return k->pool(n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, n.pad_left, n.pad_top, in, out);
            });
        }
        return Status::ok();
    }
};

}  // namespace

const Operator *pool_operator() {
    static const PoolOperator op;
    return &op;
}

}  // namespace mobiq
