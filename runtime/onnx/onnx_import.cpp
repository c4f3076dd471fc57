// ONNX ModelProto -> Graph: translation plus the shape of every tensor, with
// each op's attributes checked against what the kernels implement.
#include <onnx/onnx_pb.h>

#include <cmath>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "mobiq/onnx_import.h"

namespace mobiq {
namespace {

Status invalid(const std::string &m) { return {StatusCode::kInvalidModel, m}; }
Status unsupported(const std::string &m) { return {StatusCode::kUnsupported, m}; }

std::string at(const onnx::NodeProto &n) {
    return n.op_type() + " node '" + (n.name().empty() ? n.output_size() ? n.output(0) : "?" : n.name()) + "'";
}

class Importer {
public:
    explicit Importer(Graph *g) : g_(*g) {}

    Status run(const onnx::ModelProto &m) {
        if (!m.has_graph() || m.graph().node_size() == 0)
            return invalid("not an ONNX model (no graph with nodes): is the file an .onnx model?");
        for (const auto &op : m.opset_import())
            if (op.domain().empty() || op.domain() == "ai.onnx") opset_ = static_cast<int>(op.version());
        if (opset_ == 0) return invalid("the model imports no default ONNX opset");
        const auto &graph = m.graph();
        g_ = Graph{};
        g_.name = graph.name();
        for (const auto &init : graph.initializer()) MOBIQ_RETURN_IF_ERROR(add_initializer(init));
        for (const auto &in : graph.input()) {
            if (ids_.count(in.name())) continue;  // older exporters list initializers as inputs
            MOBIQ_RETURN_IF_ERROR(add_input(in));
        }
        if (g_.inputs.empty()) return invalid("the model has no input");
        for (const auto &n : graph.node()) MOBIQ_RETURN_IF_ERROR(add_node(n));
        for (const auto &out : graph.output()) {
            auto it = ids_.find(out.name());
            if (it == ids_.end()) return invalid("graph output '" + out.name() + "' is computed by no node");
            g_.outputs.push_back(it->second);
        }
        if (g_.outputs.empty()) return invalid("the model has no output");
        const std::string problem = validate_graph(g_);
        if (!problem.empty()) return invalid(problem);
        return Status::ok();
    }

private:
    Graph &g_;
    int opset_ = 0;
    std::map<std::string, int> ids_;

    Status add_initializer(const onnx::TensorProto &t) {
        if (t.data_location() == onnx::TensorProto::EXTERNAL)
            return unsupported("initializer '" + t.name() + "' keeps its data in an external file; save the model with "
                               "its weights inside (onnx.save(model, path, save_as_external_data=False))");
        Tensor x;
        x.name = t.name();
        x.constant = true;
        for (auto d : t.dims()) {
            if (d < 0) return invalid("initializer '" + t.name() + "' has a negative dimension");
            x.shape.push_back(d);
        }
        const int64_t n = x.elements();
        if (t.data_type() == onnx::TensorProto::FLOAT) {
            x.dtype = DType::kFloat32;
            if (t.has_raw_data()) {
                if (static_cast<int64_t>(t.raw_data().size()) != n * 4)
                    return invalid("initializer '" + t.name() + "' holds " + std::to_string(t.raw_data().size()) +
                                   " bytes, its shape needs " + std::to_string(n * 4) + " (truncated file?)");
                x.f32.resize(n);
                std::memcpy(x.f32.data(), t.raw_data().data(), n * 4);  // little-endian, as the hosts we build for
            } else {
                if (t.float_data_size() != n)
                    return invalid("initializer '" + t.name() + "' has " + std::to_string(t.float_data_size()) +
                                   " values, its shape needs " + std::to_string(n) + " (truncated file?)");
                x.f32.assign(t.float_data().begin(), t.float_data().end());
            }
        } else if (t.data_type() == onnx::TensorProto::INT64) {
            x.dtype = DType::kInt64;
            if (t.has_raw_data()) {
                if (static_cast<int64_t>(t.raw_data().size()) != n * 8)
                    return invalid("initializer '" + t.name() + "' has the wrong number of bytes (truncated file?)");
                x.i64.resize(n);
                std::memcpy(x.i64.data(), t.raw_data().data(), n * 8);
            } else {
                if (t.int64_data_size() != n)
                    return invalid("initializer '" + t.name() + "' has the wrong number of values (truncated file?)");
                x.i64.assign(t.int64_data().begin(), t.int64_data().end());
            }
        } else {
            return unsupported("initializer '" + t.name() + "' has ONNX data type " + std::to_string(t.data_type()) +
                               "; mobiq imports FP32 models (float weights, int64 shapes)");
        }
        return define(t.name(), std::move(x));  // t (the proto) keeps its name
    }

    Status add_input(const onnx::ValueInfoProto &v) {
        const auto &type = v.type();
        if (!type.has_tensor_type())
            return unsupported("graph input '" + v.name() + "' is not a tensor");
        if (type.tensor_type().elem_type() != onnx::TensorProto::FLOAT)
            return unsupported("graph input '" + v.name() + "' is not float32");
        Tensor x;
        x.name = v.name();
        const auto &dims = type.tensor_type().shape().dim();
        for (int i = 0; i < dims.size(); i++) {
            if (dims[i].has_dim_value() && dims[i].dim_value() > 0) {
                x.shape.push_back(dims[i].dim_value());
            } else if (i == 0) {
                x.shape.push_back(1);  // a symbolic batch: mobiq runs batch 1
            } else {
                return unsupported("graph input '" + v.name() + "' has a symbolic dimension " + std::to_string(i) +
                                   "; export the model with a fixed input size");
            }
        }
        if (x.shape.empty()) return unsupported("graph input '" + v.name() + "' has no shape");
        const int id = g_.add_tensor(std::move(x));
        ids_[v.name()] = id;
        g_.inputs.push_back(id);
        return Status::ok();
    }

    Status define(const std::string &name, Tensor t) {
        if (ids_.count(name)) return invalid("tensor '" + name + "' is defined twice");
        ids_[name] = g_.add_tensor(std::move(t));
        return Status::ok();
    }

    // Input i of node n (must exist unless optional), or -1.
    Status input(const onnx::NodeProto &n, int i, bool required, int *id) {
        *id = -1;
        if (i >= n.input_size() || n.input(i).empty()) {
            if (required) return invalid(at(n) + " lacks input " + std::to_string(i));
            return Status::ok();
        }
        auto it = ids_.find(n.input(i));
        if (it == ids_.end())
            return invalid(at(n) + " reads '" + n.input(i) +
                           "', which is neither a graph input, an initializer nor an earlier node's output");
        *id = it->second;
        return Status::ok();
    }

    Status constant_input(const onnx::NodeProto &n, int i, int *id) {
        MOBIQ_RETURN_IF_ERROR(input(n, i, true, id));
        if (!g_.tensors[*id].constant)
            return unsupported(at(n) + ": input " + std::to_string(i) + " ('" + n.input(i) +
                               "') must be a constant (an initializer)");
        return Status::ok();
    }

    static const onnx::AttributeProto *attr(const onnx::NodeProto &n, const char *name) {
        for (const auto &a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    static int64_t attr_int(const onnx::NodeProto &n, const char *name, int64_t dflt) {
        const auto *a = attr(n, name);
        return a ? a->i() : dflt;
    }
    static float attr_float(const onnx::NodeProto &n, const char *name, float dflt) {
        const auto *a = attr(n, name);
        return a ? a->f() : dflt;
    }
    static std::vector<int64_t> attr_ints(const onnx::NodeProto &n, const char *name) {
        const auto *a = attr(n, name);
        return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
    }

    // Output `i` of node n with the given shape; returns its id.
    Status output(const onnx::NodeProto &n, std::vector<int64_t> shape, int *id) {
        if (n.output_size() < 1 || n.output(0).empty()) return invalid(at(n) + " has no output");
        for (int64_t d : shape)
            if (d <= 0) return invalid(at(n) + ": output shape would have a dimension " + std::to_string(d));
        Tensor t;
        t.name = n.output(0);
        t.shape = std::move(shape);
        MOBIQ_RETURN_IF_ERROR(define(n.output(0), std::move(t)));
        *id = ids_.at(n.output(0));
        return Status::ok();
    }

    Status require_4d(const onnx::NodeProto &n, int id) {
        if (g_.tensors[id].shape.size() != 4)
            return unsupported(at(n) + ": input '" + g_.tensors[id].name + "' is not 4-D (N, C, H, W)");
        return Status::ok();
    }

    // kernel_shape / strides / pads / dilations / auto_pad of Conv and the pools.
    Status spatial(const onnx::NodeProto &n, const std::vector<int64_t> &in, int kh, int kw, Node *node) {
        node->kernel_h = kh;
        node->kernel_w = kw;
        auto strides = attr_ints(n, "strides");
        if (strides.empty()) strides = {1, 1};
        auto dil = attr_ints(n, "dilations");
        if (strides.size() != 2 || strides[0] < 1 || strides[1] < 1)
            return invalid(at(n) + ": strides must be two positive values");
        for (auto d : dil)
            if (d != 1) return unsupported(at(n) + ": dilation " + std::to_string(d) + " (only 1 is supported)");
        node->stride_h = static_cast<int>(strides[0]);
        node->stride_w = static_cast<int>(strides[1]);
        const auto *ap = attr(n, "auto_pad");
        const std::string auto_pad = ap ? ap->s() : "NOTSET";
        if (auto_pad == "NOTSET") {
            auto pads = attr_ints(n, "pads");
            if (pads.empty()) pads = {0, 0, 0, 0};
            if (pads.size() != 4) return invalid(at(n) + ": pads must have 4 values");
            for (auto p : pads)
                if (p < 0) return invalid(at(n) + ": negative padding");
            node->pad_top = static_cast<int>(pads[0]);
            node->pad_left = static_cast<int>(pads[1]);
            node->pad_bottom = static_cast<int>(pads[2]);
            node->pad_right = static_cast<int>(pads[3]);
        } else if (auto_pad == "VALID") {
        } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
            auto same = [&](int64_t size, int k, int s, int *lo, int *hi) {
                const int64_t out = (size + s - 1) / s;
                const int64_t total = std::max<int64_t>(0, (out - 1) * s + k - size);
                *lo = static_cast<int>(auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2);
                *hi = static_cast<int>(total - *lo);
            };
            same(in[2], kh, node->stride_h, &node->pad_top, &node->pad_bottom);
            same(in[3], kw, node->stride_w, &node->pad_left, &node->pad_right);
        } else {
            return invalid(at(n) + ": unknown auto_pad '" + auto_pad + "'");
        }
        if (node->pad_top >= kh || node->pad_bottom >= kh || node->pad_left >= kw || node->pad_right >= kw)
            return unsupported(at(n) + ": padding as large as the kernel");
        return Status::ok();
    }

    static std::vector<int64_t> spatial_output(const std::vector<int64_t> &in, int64_t c, const Node &s) {
        const int64_t oh = (in[2] + s.pad_top + s.pad_bottom - s.kernel_h) / s.stride_h + 1;
        const int64_t ow = (in[3] + s.pad_left + s.pad_right - s.kernel_w) / s.stride_w + 1;
        return {in[0], c, oh, ow};
    }

    Status add_node(const onnx::NodeProto &n) {
        if (!n.domain().empty() && n.domain() != "ai.onnx")
            return unsupported("unsupported op " + n.domain() + "." + n.op_type() + " at node '" + n.name() + "'");
        const std::string &op = n.op_type();
        Node node;
        node.name = n.name().empty() ? (n.output_size() ? n.output(0) : op) : n.name();
        int x = -1, out = -1;
        if (op == "Identity" || op == "Dropout") {
            // Inference: the output is the input; later readers see the input's id.
            MOBIQ_RETURN_IF_ERROR(input(n, 0, true, &x));
            if (n.output_size() > 1 && !n.output(1).empty())
                return unsupported(at(n) + ": the dropout mask output is not supported");
            if (n.output_size() < 1) return invalid(at(n) + " has no output");
            ids_[n.output(0)] = x;
            return Status::ok();
        }
        if (n.output_size() > 1) {
            for (int i = 1; i < n.output_size(); i++)
                if (!n.output(i).empty())
                    return unsupported(at(n) + ": output " + std::to_string(i) + " ('" + n.output(i) +
                                       "') is not supported (inference ops have one output)");
        }
        MOBIQ_RETURN_IF_ERROR(input(n, 0, true, &x));
        const std::vector<int64_t> in = g_.tensors[x].shape;
        node.inputs.push_back(x);

        if (op == "Conv") {
            node.op = OpType::kConv;
            MOBIQ_RETURN_IF_ERROR(require_4d(n, x));
            int w = -1, b = -1;
            MOBIQ_RETURN_IF_ERROR(constant_input(n, 1, &w));
            const auto &ws = g_.tensors[w].shape;
            if (ws.size() != 4) return unsupported(at(n) + ": only 2-D convolutions (4-D weights) are supported");
            node.group = static_cast<int>(attr_int(n, "group", 1));
            if (node.group < 1 || in[1] % node.group != 0 || ws[0] % node.group != 0 || ws[1] * node.group != in[1])
                return invalid(at(n) + ": weights (" + std::to_string(ws[0]) + ", " + std::to_string(ws[1]) +
                               ", ...) do not match " + std::to_string(in[1]) + " input channels in " +
                               std::to_string(node.group) + " groups");
            const bool depthwise = node.group > 1 && node.group == in[1] && ws[0] == in[1];
            if (node.group > 1 && !depthwise)
                return unsupported(at(n) + ": grouped convolution with group = " + std::to_string(node.group) +
                                   " (supported: 1, or depthwise with C_out = C_in = group)");
            auto ks = attr_ints(n, "kernel_shape");
            if (!ks.empty() && (ks.size() != 2 || ks[0] != ws[2] || ks[1] != ws[3]))
                return invalid(at(n) + ": kernel_shape disagrees with the weights");
            MOBIQ_RETURN_IF_ERROR(spatial(n, in, static_cast<int>(ws[2]), static_cast<int>(ws[3]), &node));
            if (depthwise && !(ws[2] == ws[3] && (ws[2] == 3 || ws[2] == 5)))
                return unsupported(at(n) + ": depthwise kernel " + std::to_string(ws[2]) + "x" + std::to_string(ws[3]) +
                                   " (supported: 3x3, 5x5)");
            node.inputs.push_back(w);
            MOBIQ_RETURN_IF_ERROR(input(n, 2, false, &b));
            if (b >= 0) {
                if (!g_.tensors[b].constant || g_.tensors[b].elements() != ws[0])
                    return invalid(at(n) + ": bias must be a constant of " + std::to_string(ws[0]) + " values");
                node.inputs.push_back(b);
            }
            MOBIQ_RETURN_IF_ERROR(output(n, spatial_output(in, ws[0], node), &out));
        } else if (op == "BatchNormalization") {
            node.op = OpType::kBatchNormalization;
            MOBIQ_RETURN_IF_ERROR(require_4d(n, x));
            if (attr_int(n, "training_mode", 0) != 0) return unsupported(at(n) + ": training mode");
            node.epsilon = attr_float(n, "epsilon", 1e-5f);
            for (int i = 1; i <= 4; i++) {
                int p = -1;
                MOBIQ_RETURN_IF_ERROR(constant_input(n, i, &p));
                if (g_.tensors[p].elements() != in[1])
                    return invalid(at(n) + ": parameter '" + g_.tensors[p].name + "' must have " +
                                   std::to_string(in[1]) + " values (one per channel)");
                node.inputs.push_back(p);
            }
            MOBIQ_RETURN_IF_ERROR(output(n, in, &out));
        } else if (op == "Relu") {
            node.op = OpType::kRelu;
            node.clamp_min = 0.0f;
            MOBIQ_RETURN_IF_ERROR(output(n, in, &out));
        } else if (op == "Clip") {
            node.op = OpType::kClip;
            if (opset_ < 11) {
                node.clamp_min = attr_float(n, "min", node.clamp_min);
                node.clamp_max = attr_float(n, "max", node.clamp_max);
            } else {
                for (int i : {1, 2}) {
                    int c = -1;
                    MOBIQ_RETURN_IF_ERROR(input(n, i, false, &c));
                    if (c < 0) continue;
                    if (!g_.tensors[c].constant || g_.tensors[c].f32.size() != 1)
                        return unsupported(at(n) + ": Clip bounds must be constant scalars");
                    (i == 1 ? node.clamp_min : node.clamp_max) = g_.tensors[c].f32[0];
                }
            }
            if (!(node.clamp_min <= node.clamp_max)) return invalid(at(n) + ": Clip min > max");
            MOBIQ_RETURN_IF_ERROR(output(n, in, &out));
        } else if (op == "MaxPool" || op == "AveragePool") {
            node.op = op == "MaxPool" ? OpType::kMaxPool : OpType::kAveragePool;
            MOBIQ_RETURN_IF_ERROR(require_4d(n, x));
            auto ks = attr_ints(n, "kernel_shape");
            if (ks.size() != 2) return invalid(at(n) + ": kernel_shape must have 2 values");
            if (attr_int(n, "ceil_mode", 0) != 0) return unsupported(at(n) + ": ceil_mode = 1");
            if (attr_int(n, "storage_order", 0) != 0) return unsupported(at(n) + ": storage_order = 1");
            MOBIQ_RETURN_IF_ERROR(spatial(n, in, static_cast<int>(ks[0]), static_cast<int>(ks[1]), &node));
            const bool padded = node.pad_top || node.pad_left || node.pad_bottom || node.pad_right;
            if (node.op == OpType::kAveragePool && padded && attr_int(n, "count_include_pad", 0) != 0)
                return unsupported(at(n) + ": count_include_pad = 1 with padding (the kernel averages the taps "
                                           "inside the image)");
            MOBIQ_RETURN_IF_ERROR(output(n, spatial_output(in, in[1], node), &out));
        } else if (op == "GlobalAveragePool") {
            node.op = OpType::kGlobalAveragePool;
            MOBIQ_RETURN_IF_ERROR(require_4d(n, x));
            MOBIQ_RETURN_IF_ERROR(output(n, {in[0], in[1], 1, 1}, &out));
        } else if (op == "Add") {
            node.op = OpType::kAdd;
            int y = -1;
            MOBIQ_RETURN_IF_ERROR(input(n, 1, true, &y));
            if (g_.tensors[y].shape != in || g_.tensors[x].constant || g_.tensors[y].constant)
                return unsupported(at(n) + ": Add of two computed tensors of the same shape is supported, not "
                                           "broadcasting or constants");
            node.inputs.push_back(y);
            MOBIQ_RETURN_IF_ERROR(output(n, in, &out));
        } else if (op == "Gemm" || op == "MatMul") {
            node.op = OpType::kGemm;
            if (in.size() != 2) return unsupported(at(n) + ": the left operand must be 2-D (N, K); add a Flatten");
            int w = -1, b = -1;
            MOBIQ_RETURN_IF_ERROR(constant_input(n, 1, &w));
            const auto &ws = g_.tensors[w].shape;
            if (ws.size() != 2) return unsupported(at(n) + ": the weights must be a 2-D constant");
            if (op == "Gemm") {
                node.trans_a = attr_int(n, "transA", 0) != 0;
                node.trans_b = attr_int(n, "transB", 0) != 0;
                node.alpha = attr_float(n, "alpha", 1.0f);
                node.beta = attr_float(n, "beta", 1.0f);
                if (node.trans_a) return unsupported(at(n) + ": transA = 1");
                MOBIQ_RETURN_IF_ERROR(input(n, 2, false, &b));
            }
            const int64_t k = ws[node.trans_b ? 1 : 0], cols = ws[node.trans_b ? 0 : 1];
            if (k != in[1])
                return invalid(at(n) + ": weights " + std::to_string(ws[0]) + "x" + std::to_string(ws[1]) +
                               " do not fit an input of " + std::to_string(in[1]) + " features");
            node.inputs.push_back(w);
            if (b >= 0) {
                const auto &t = g_.tensors[b];
                if (!t.constant || t.elements() != cols || (t.shape.size() == 2 && t.shape[0] != 1))
                    return unsupported(at(n) + ": the bias must be a constant of " + std::to_string(cols) +
                                       " values (one per output)");
                node.inputs.push_back(b);
            }
            MOBIQ_RETURN_IF_ERROR(output(n, {in[0], cols}, &out));
        } else if (op == "Flatten" || op == "Reshape") {
            node.op = OpType::kFlatten;
            std::vector<int64_t> shape;
            if (op == "Flatten") {
                int64_t axis = attr_int(n, "axis", 1);
                if (axis < 0) axis += static_cast<int64_t>(in.size());
                if (axis != 1) return unsupported(at(n) + ": Flatten with axis " + std::to_string(axis) + " (supported: 1)");
            } else {
                int s = -1;
                MOBIQ_RETURN_IF_ERROR(constant_input(n, 1, &s));
                shape = g_.tensors[s].i64;
                if (g_.tensors[s].dtype != DType::kInt64) return invalid(at(n) + ": the shape must be int64");
                // Resolve 0 (copy) and -1 (infer).
                int64_t known = 1, infer = -1;
                for (size_t i = 0; i < shape.size(); i++) {
                    if (shape[i] == 0 && i < in.size()) shape[i] = in[i];
                    if (shape[i] == -1) infer = static_cast<int64_t>(i);
                    else known *= shape[i];
                }
                int64_t total = 1;
                for (auto d : in) total *= d;
                if (infer >= 0 && known > 0) shape[infer] = total / known;
                if (shape.size() != 2 || shape[0] != in[0] || shape[0] * shape[1] != total)
                    return unsupported(at(n) + ": Reshape other than flattening to (N, features)");
            }
            int64_t features = 1;
            for (size_t i = 1; i < in.size(); i++) features *= in[i];
            MOBIQ_RETURN_IF_ERROR(output(n, {in[0], features}, &out));
        } else if (op == "Softmax") {
            node.op = OpType::kSoftmax;
            int64_t axis = attr_int(n, "axis", opset_ < 13 ? 1 : -1);
            if (axis < 0) axis += static_cast<int64_t>(in.size());
            if (in.size() != 2 || axis != 1) return unsupported(at(n) + ": Softmax over the last axis of a 2-D tensor only");
            node.axis = 1;
            MOBIQ_RETURN_IF_ERROR(output(n, in, &out));
        } else {
            return unsupported("unsupported op " + op + " at node '" + node.name + "'");
        }
        node.outputs.push_back(out);
        g_.nodes.push_back(std::move(node));
        return Status::ok();
    }
};

}  // namespace

bool onnx_import_available() { return true; }

Status import_onnx_bytes(const void *data, size_t size, Graph *graph) {
    if (graph == nullptr) return {StatusCode::kInvalidArgument, "import_onnx: null graph"};
    if (data == nullptr || size == 0) return invalid("empty model data");
    onnx::ModelProto model;
    if (size > static_cast<size_t>(INT32_MAX) || !model.ParseFromArray(data, static_cast<int>(size)))
        return invalid("not a valid ONNX model (protobuf parse failed: corrupt, truncated or another format)");
    Importer imp(graph);
    return imp.run(model);
}

Status import_onnx_file(const std::string &path, Graph *graph) {
    std::ifstream f(path, std::ios::binary);
    if (!f) return {StatusCode::kIo, "cannot open model file '" + path + "'"};
    std::stringstream buf;
    buf << f.rdbuf();
    if (f.bad()) return {StatusCode::kIo, "cannot read model file '" + path + "'"};
    const std::string bytes = buf.str();
    Status s = import_onnx_bytes(bytes.data(), bytes.size(), graph);
    if (!s) return {s.code(), path + ": " + s.message()};
    return s;
}

}  // namespace mobiq
