// Softmax over the features of a (K, N) matrix, FP32. INT8 sessions run a
// final Softmax in FP32 on the dequantized logits (runtime/exec/executor.cpp);
// anywhere else it has no INT8 kernel.
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedSoftmax : Prepared {
    Kernel<kernel_op::softmax_fp32> softmax;
};

class SoftmaxOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (c.int8())
            return {StatusCode::kUnsupported, "Softmax node '" + n.name +
                                                  "' has no INT8 kernel (run it in FP32; as the last op INT8 runs it so)"};
        return Operator::validate(c, n, p);
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedSoftmax>();
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, "", &k->softmax));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &, Prepared *prepared) const override {
        PreparedSoftmax *k = static_cast<PreparedSoftmax *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        c.add_step(k->softmax.row->name, [&vs, k, xi, yi]() {
            Buffer<float> in = vs.matrix<float>(vs[xi]), out = vs.matrix<float>(vs[yi]);
            return k->softmax(in, out);
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *softmax_operator() {
    static const SoftmaxOperator op;
    return &op;
}

}  // namespace mobiq
