// The operator table (LayerPlan::op -> operator), the operators' defaults,
// and Flatten, which is a view of its input (the executor aliases the values)
// and emits no step.
#include "operator.h"

namespace mobiq {

const Operator *conv_operator();
const Operator *winograd_conv_operator();
const Operator *depthwise_operator();
const Operator *fully_connected_operator();
const Operator *affine_operator();
const Operator *pool_operator();
const Operator *global_pool_operator();
const Operator *add_operator();
const Operator *softmax_operator();

namespace {

class FlattenOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        Value &x = c.values.at_tensor(n.inputs[0]);
        if (x.c_alloc != x.c)
            return {StatusCode::kUnsupported, "Flatten node '" + n.name +
                                                  "': INT8 flattening of channels that are not a multiple of 4"};
        return Operator::validate(c, n, p);
    }
    Status prepare(const OpContext &, const Node &, const LayerPlan &, std::unique_ptr<Prepared> *) const override {
        return Status::ok();
    }
    Status emit(OpContext &, const Node &, const LayerPlan &, Prepared *) const override { return Status::ok(); }
};

const Operator *flatten_operator() {
    static const FlattenOperator op;
    return &op;
}

// An Add fused into the convolution producing one of its inputs (plan
// fused_into): that convolution's step computes it.
class FusedOperator final : public Operator {
public:
    Status validate(const OpContext &, const Node &n, const LayerPlan &p) const override {
        if (p.fused_into < 0) return {StatusCode::kInternal, "node '" + n.name + "' is planned fused into nothing"};
        return Status::ok();
    }
    Status prepare(const OpContext &, const Node &, const LayerPlan &, std::unique_ptr<Prepared> *) const override {
        return Status::ok();
    }
    Status emit(OpContext &, const Node &, const LayerPlan &, Prepared *) const override { return Status::ok(); }
};

const Operator *fused_operator() {
    static const FusedOperator op;
    return &op;
}

}  // namespace

Status Operator::validate(const OpContext &, const Node &, const LayerPlan &) const { return Status::ok(); }

OpNeeds Operator::needs(const OpContext &, const Node &, const LayerPlan &) const { return {}; }

const Operator *find_operator(const std::string &op) {
    struct Entry {
        const char *name;
        const Operator *(*get)();
    };
    static const Entry table[] = {
        {"conv", conv_operator},         {"depthwise", depthwise_operator},    {"fully_connected", fully_connected_operator},
        {"batch_norm", affine_operator}, {"clamp", affine_operator},           {"pool", pool_operator},
        {"global_pool", global_pool_operator}, {"add", add_operator},          {"softmax", softmax_operator},
        {"flatten", flatten_operator},   {"fused", fused_operator},        {"conv_winograd", winograd_conv_operator},
    };
    for (const auto &e : table)
        if (op == e.name) return e.get();
    return nullptr;
}

std::string fused_op_name(const Node &n) {
    std::string s = op_name(n.op);
    if (n.has_clamp()) s += n.clamp_min == 0.0f && n.clamp_max > 3e38f ? "+Relu" : "+Clip";
    return s;
}

}  // namespace mobiq
