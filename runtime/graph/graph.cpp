#include "mobiq/graph.h"

#include <set>

namespace mobiq {

const char *dtype_name(DType t) {
    switch (t) {
        case DType::kFloat32: return "float32";
        case DType::kInt8: return "int8";
        case DType::kInt32: return "int32";
        case DType::kInt64: return "int64";
    }
    return "?";
}

const char *op_name(OpType op) {
    switch (op) {
        case OpType::kConv: return "Conv";
        case OpType::kBatchNormalization: return "BatchNormalization";
        case OpType::kRelu: return "Relu";
        case OpType::kClip: return "Clip";
        case OpType::kMaxPool: return "MaxPool";
        case OpType::kAveragePool: return "AveragePool";
        case OpType::kGlobalAveragePool: return "GlobalAveragePool";
        case OpType::kAdd: return "Add";
        case OpType::kGemm: return "Gemm";
        case OpType::kFlatten: return "Flatten";
        case OpType::kSoftmax: return "Softmax";
    }
    return "?";
}

int64_t Tensor::elements() const {
    int64_t n = 1;
    for (int64_t d : shape) n *= d;
    return n;
}

int Graph::add_tensor(Tensor t) {
    tensors.push_back(std::move(t));
    return static_cast<int>(tensors.size()) - 1;
}

int Graph::find_tensor(const std::string &name) const {
    for (size_t i = 0; i < tensors.size(); i++)
        if (tensors[i].name == name) return static_cast<int>(i);
    return -1;
}

std::vector<int> Graph::consumers(int t) const {
    std::vector<int> ids;
    for (size_t i = 0; i < nodes.size(); i++)
        for (int in : nodes[i].inputs)
            if (in == t) {
                ids.push_back(static_cast<int>(i));
                break;
            }
    return ids;
}

int Graph::producer(int t) const {
    for (size_t i = 0; i < nodes.size(); i++)
        for (int out : nodes[i].outputs)
            if (out == t) return static_cast<int>(i);
    return -1;
}

double node_macs(const Graph &g, const Node &n) {
    const Tensor &out = g.tensors[n.outputs[0]];
    if (n.op == OpType::kConv) {
        const Tensor &w = g.tensors[n.inputs[1]];  // (C_out, C_in / group, KH, KW)
        return static_cast<double>(out.elements()) * w.shape[1] * w.shape[2] * w.shape[3];
    }
    if (n.op == OpType::kGemm) {
        const Tensor &a = g.tensors[n.inputs[0]];
        const int64_t k = n.trans_a ? a.shape[0] : a.shape[1];
        return static_cast<double>(out.elements()) * k;
    }
    return 0.0;
}

double graph_macs(const Graph &g) {
    double total = 0;
    for (const auto &n : g.nodes) total += node_macs(g, n);
    return total;
}

int64_t graph_parameters(const Graph &g) {
    std::set<int> seen;
    int64_t total = 0;
    for (const auto &n : g.nodes)
        for (int t : n.inputs)
            if (g.tensors[t].constant && g.tensors[t].dtype != DType::kInt64 && seen.insert(t).second)
                total += g.tensors[t].elements();
    return total;
}

std::string validate_graph(const Graph &g) {
    const int n_tensors = static_cast<int>(g.tensors.size());
    std::vector<bool> available(g.tensors.size(), false);
    for (int t = 0; t < n_tensors; t++) available[t] = g.tensors[t].constant;
    for (int t : g.inputs) {
        if (t < 0 || t >= n_tensors) return "graph input id out of range";
        available[t] = true;
    }
    for (const auto &n : g.nodes) {
        const std::string where = std::string(op_name(n.op)) + " node '" + n.name + "'";
        if (n.outputs.empty()) return where + " has no output";
        for (int t : n.inputs) {
            if (t < 0 || t >= n_tensors) return where + " reads a tensor id out of range";
            if (!available[t]) return where + " reads '" + g.tensors[t].name + "' before it is computed";
        }
        for (int t : n.outputs) {
            if (t < 0 || t >= n_tensors) return where + " writes a tensor id out of range";
            if (available[t]) return where + " writes '" + g.tensors[t].name + "', which already has a value";
            if (g.tensors[t].shape.empty()) return where + " output '" + g.tensors[t].name + "' has no shape";
            available[t] = true;
        }
    }
    for (int t : g.outputs) {
        if (t < 0 || t >= n_tensors) return "graph output id out of range";
        if (!available[t]) return "graph output '" + g.tensors[t].name + "' is never computed";
    }
    return "";
}

}  // namespace mobiq
