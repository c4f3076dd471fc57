// The runtime's graph IR: tensors (shape, type, quantization parameters,
// constant data) and ops, in ONNX's terms (NCHW shapes, ONNX attribute
// meanings) so that import is a translation and every pass says what it
// changes. The executor lays activations out NHWC (docs/runtime.md).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace mobiq {

enum class DType { kFloat32, kInt8, kInt32, kInt64 };

const char *dtype_name(DType t);

// Per-tensor (one scale / zero point) or per-channel along `axis`.
struct QuantParams {
    std::vector<float> scale;
    std::vector<int32_t> zero_point;
    int axis = -1;
    bool defined() const { return !scale.empty(); }
};

struct Tensor {
    std::string name;
    std::vector<int64_t> shape;  // ONNX order: (N, C, H, W) for images, (N, K) for features
    DType dtype = DType::kFloat32;
    QuantParams quant;
    // Constant data (initializers); empty for activations.
    std::vector<float> f32;
    std::vector<int64_t> i64;
    bool constant = false;

    int64_t elements() const;
};

enum class OpType {
    kConv,                // groups 1 or depthwise (group = C_in = C_out)
    kBatchNormalization,  // inference form
    kRelu,
    kClip,
    kMaxPool,
    kAveragePool,
    kGlobalAveragePool,
    kAdd,
    kGemm,    // also MatMul with a constant right operand (imported as Gemm)
    kFlatten, // also Reshape to (N, -1)
    kSoftmax,
};

const char *op_name(OpType op);

struct Node {
    OpType op;
    std::string name;
    std::vector<int> inputs, outputs;  // tensor ids
    // Spatial ops (Conv, pools).
    int kernel_h = 1, kernel_w = 1, stride_h = 1, stride_w = 1;
    int pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
    int group = 1;
    // BatchNormalization.
    float epsilon = 1e-5f;
    // Gemm: y = alpha * A' B' + beta * C, A' = transA ? A^T : A.
    bool trans_a = false, trans_b = false;
    float alpha = 1.0f, beta = 1.0f;
    // Softmax / Flatten.
    int axis = 1;
    // The output clamp: Clip's bounds, or an activation fused into this op
    // (passes/fuse_activations). +-inf when none.
    float clamp_min = -3.4028235e38f, clamp_max = 3.4028235e38f;
    bool has_clamp() const { return clamp_min > -3.4e38f || clamp_max < 3.4e38f; }
};

struct Graph {
    std::string name;
    std::vector<Tensor> tensors;
    std::vector<Node> nodes;  // in a valid execution order
    std::vector<int> inputs, outputs;

    int add_tensor(Tensor t);
    int find_tensor(const std::string &name) const;  // -1 if absent
    // Ids of the nodes that read tensor t.
    std::vector<int> consumers(int t) const;
    // Id of the node that writes tensor t, -1 for graph inputs and constants.
    int producer(int t) const;
};

// Multiply-accumulates of a node (Conv, Gemm; 0 for the others) and of the graph.
double node_macs(const Graph &g, const Node &n);
double graph_macs(const Graph &g);
// Parameters: elements of the constant tensors that nodes read.
int64_t graph_parameters(const Graph &g);

// Checks the graph's structure (ids in range, single producer per tensor,
// topological order, shapes of each op consistent). Returns "" or the first
// problem found, naming the node.
std::string validate_graph(const Graph &g);

}  // namespace mobiq
