// Element-wise addition (the residual Add, with a fused ReLU): FP32, and INT8
// with each input's own scale (TFLite's ADD, docs/arithmetic.md "Add"). Over
// whole matrices, or one image row at a time where a value has a border.
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedAdd : Prepared {
    Kernel<kernel_op::add_fp32> fp32;
    Kernel<kernel_op::add_int8> int8;
};

// call(a, b, out) over the three values, as matrices or row by row.
template <typename T, typename Call>
int for_rows(Values &vs, Value &a, Value &b, Value &o, const Call &call) {
    if (!a.border && !b.border && !o.border) return call(vs.matrix<T>(a), vs.matrix<T>(b), vs.matrix<T>(o));
    for (int img = 0; img < o.n; img++)
        for (int r = 0; r < o.h; r++)
            if (const int e = call(vs.row<T>(a, img, r), vs.row<T>(b, img, r), vs.row<T>(o, img, r))) return e;
    return 0;
}

class AddOperator final : public Operator {
public:
    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedAdd>();
        if (c.int8())
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, p.kernel_variant, &k->int8));
        else
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "", &k->fp32));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &, Prepared *prepared) const override {
        PreparedAdd *k = static_cast<PreparedAdd *>(prepared);
        Values &vs = c.values;
        const int ai = c.value(n.inputs[0]), bi = c.value(n.inputs[1]), oi = c.value(n.outputs[0]);
        if (!c.int8()) {
            const float lo = n.clamp_min, hi = n.clamp_max;
            c.add_step(k->fp32.row->name, [&vs, k, ai, bi, oi, lo, hi]() {
                return for_rows<float>(vs, vs[ai], vs[bi], vs[oi], [&](Buffer<float> a, Buffer<float> b, Buffer<float> o) {
                    return k->fp32(a, b, lo, hi, o);
                });
            });
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        const QuantizedAdd a = q.add;
        const int32_t zo = c.zero_point(n.outputs[0]), lo = q.output_min, hi = q.output_max;
        c.add_step(k->int8.row->name, [&vs, k, a, ai, bi, oi, zo, lo, hi]() {
            return for_rows<int8_t>(vs, vs[ai], vs[bi], vs[oi], [&](Buffer<int8_t> x, Buffer<int8_t> y, Buffer<int8_t> o) {
                return k->int8(x, a.a_zero_point, a.a_multiplier, a.a_shift, y, a.b_zero_point, a.b_multiplier,
                               a.b_shift, a.left_shift, a.output_multiplier, a.output_shift, zo, lo, hi, o);
            });
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *add_operator() {
    static const AddOperator op;
    return &op;
}

}  // namespace mobiq
