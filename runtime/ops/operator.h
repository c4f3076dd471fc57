// The operators (private to the runtime): one per kind of graph node, FP32
// and INT8 side by side, in the spirit of Arm Compute Library's validate /
// configure / prepare / run and XNNPACK's create / setup. For one node and
// its plan (mobiq/layer_plan.h) an operator
//   validate()  says whether it can run it (a Status naming the node);
//   needs()     says what it needs besides its input and output: a scratch
//               tensor held during its step (the im2col operand), in bytes;
//   prepare()   packs or transforms the weights once, at load, and finds its
//               kernels in the registry (a Status, never an exception);
//   emit()      appends the steps that run per inference.
// The layout the node's input needs (border, dense) comes from the plan;
// the executor (runtime/exec/executor.cpp) places values and runs steps.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "../exec/values.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/layer_plan.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/status.h"

namespace mobiq {

// What an operator works with while the executor lowers a graph.
struct OpContext {
    const Graph &g;
    const QuantizedGraph *qg;  // INT8 sessions (null for FP32)
    const KernelSet &set;      // the kernels the steps call
    Values &values;
    int scratch = -1;  // the scratch value of this node (needs().scratch_bytes > 0)
    // Appends a step of the node being lowered: `variant` names its kernels.
    std::function<void(const std::string &variant, std::function<int()> run)> add_step;
    // Attaches to the last step a report of its parts' times (LayerInfo::stages).
    std::function<void(std::function<void(std::vector<std::pair<std::string, double>> *)>)> set_stages;

    bool int8() const { return qg != nullptr; }
    const QuantizedNode &quantized(const Node &n) const { return qg->nodes[&n - g.nodes.data()]; }
    int32_t zero_point(int tensor) const { return qg->tensors[tensor].zero_point; }
    int value(int tensor) const { return values.of(tensor); }

    // The kernel of op `Op` with exactly `params`, or a Status naming the node.
    template <typename Op>
    Status kernel(const Node &n, std::string_view params, Kernel<Op> *k) const {
        *k = find_kernel<Op>(set, params);
        if (*k) return Status::ok();
        return {StatusCode::kInternal, "layer '" + n.name + "': no " + Op::name + " kernel with variant '" +
                                           canonical_params(params) + "' in kernel set " + set.name};
    }
};

// What prepare() made: packed weights and the kernels, owned by the executor
// for the session's life (steps point into it).
struct Prepared {
    virtual ~Prepared() = default;
};

struct OpNeeds {
    size_t scratch_elements = 0;  // a scratch value of this many elements, held during the node's step
    int scratch_elem = 4;         // its bytes per element
};

class Operator {
public:
    virtual ~Operator() = default;
    virtual Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const;
    virtual OpNeeds needs(const OpContext &c, const Node &n, const LayerPlan &p) const;
    virtual Status prepare(const OpContext &c, const Node &n, const LayerPlan &p,
                           std::unique_ptr<Prepared> *out) const = 0;
    virtual Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const = 0;
};

// The operator that runs plans of `op` (LayerPlan::op), or null.
const Operator *find_operator(const std::string &op);

// "Conv+Relu", "Add+Clip", ...: the node's op with its fused activation.
std::string fused_op_name(const Node &n);

}  // namespace mobiq
