// Global average pooling, FP32 and INT8: (C, W, H, N) -> (C, 1, 1, N).
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedGlobalPool : Prepared {
    Kernel<kernel_op::global_average_pool> pool;
};

class GlobalPoolOperator final : public Operator {
public:
    Status prepare(const OpContext &c, const Node &n, const LayerPlan &, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedGlobalPool>();
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, c.int8() ? "element_type=int8" : "element_type=float32", &k->pool));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &, Prepared *prepared) const override {
        PreparedGlobalPool *k = static_cast<PreparedGlobalPool *>(prepared);
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]);
        if (c.int8()) {
            c.add_step(k->pool.row->name, [&vs, k, xi, yi]() {
                Buffer<int8_t> in = vs.interior<int8_t>(vs[xi]), out = vs.interior<int8_t>(vs[yi]);
                return k->pool(in, out);
            });
        } else {
            c.add_step(k->pool.row->name, [&vs, k, xi, yi]() {
                Buffer<float> in = vs.interior<float>(vs[xi]), out = vs.interior<float>(vs[yi]);
                return k->pool(in, out);
            });
        }
        return Status::ok();
    }
};

}  // namespace

const Operator *global_pool_operator() {
    static const GlobalPoolOperator op;
    return &op;
}

}  // namespace mobiq
