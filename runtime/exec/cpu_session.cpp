// The layer-by-layer executor on the CPU (FP32 at this stage): lowers the
// optimized graph to a list of steps (kernel calls over views of one
// activation arena) and runs them. docs/runtime.md describes the layout
// (NHWC, borders holding the padding value), the conv methods and the arena.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <deque>
#include <functional>
#include <limits>
#include <map>

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/kernel_table.h"
#include "mobiq/memory_plan.h"
#include "mobiq/passes.h"
#include "mobiq/session.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

constexpr size_t kAlignment = 64;

// An activation as the executor stores it: NHWC images (C, W, H, N) inside a
// border of `border` pixels, or (K, N) feature matrices (w = h = 1).
struct Value {
    int tensor = -1;
    int c = 1, w = 1, h = 1, n = 1;
    bool image = false;
    int border = 0;           // requested by consumers that read padding
    bool needs_dense = false; // read or written as a 2-D matrix
    int alias_of = -1;        // Flatten: the value whose memory this is
    int first = 0, last = 0;  // steps during which it must be held
    size_t offset = 0;

    int full_w() const { return w + 2 * border; }
    int full_h() const { return h + 2 * border; }
    size_t bytes() const { return sizeof(float) * size_t(c) * full_w() * full_h() * n; }
};

struct Step {
    LayerInfo info;
    std::function<int()> run;  // 0 or a kernel's error code
};

class CpuSession final : public Session {
public:
    Status compile(const Graph &graph, const CompileOptions &options);

    const std::vector<int64_t> &input_shape() const override { return input_shape_; }
    const std::vector<int64_t> &output_shape() const override { return output_shape_; }
    const std::vector<LayerInfo> &layers() const override { return infos_; }
    size_t arena_bytes() const override { return arena_bytes_; }
    size_t unshared_activation_bytes() const override { return unshared_bytes_; }
    Status run(const float *input, size_t input_elements, float *output, size_t output_elements,
               bool profile) override;

private:
    Graph g_;
    CompileOptions opt_;
    const KernelFamily *f_ = nullptr;
    std::vector<Value> values_;
    std::map<int, int> value_of_;  // tensor id -> value id
    std::vector<Step> steps_;
    std::vector<LayerInfo> infos_;
    std::deque<Buffer<float>> constants_;  // packed weights, biases (owned)
    std::vector<uint8_t> arena_storage_;
    uint8_t *arena_ = nullptr;
    size_t arena_bytes_ = 0, unshared_bytes_ = 0;
    std::vector<int64_t> input_shape_, output_shape_;
    int input_value_ = -1, output_value_ = -1;

    // --- values ---
    int value_for(int tensor) const { return value_of_.at(tensor); }
    Value &val(int tensor) { return values_[value_for(tensor)]; }
    int new_value(int tensor, const std::vector<int64_t> &shape);
    float *base(const Value &v) {
        const Value &m = v.alias_of >= 0 ? values_[v.alias_of] : v;
        return reinterpret_cast<float *>(arena_ + m.offset);
    }
    // The whole stored tensor, border included: (C, W + 2B, H + 2B, N).
    Buffer<float> full(Value &v) {
        halide_dimension_t d[4] = {{0, v.c, 1},
                                   {0, v.full_w(), v.c},
                                   {0, v.full_h(), v.c * v.full_w()},
                                   {0, v.n, v.c * v.full_w() * v.full_h()}};
        return Buffer<float>(base(v), 4, d);
    }
    // The tensor without its border, starting at (0, 0): what producers write.
    Buffer<float> interior(Value &v) { return window(v, v.border, v.border, v.w, v.h); }
    // A (C, width, height, N) window whose origin is stored pixel (x0, y0).
    Buffer<float> window(Value &v, int x0, int y0, int width, int height) {
        halide_dimension_t d[4] = {{0, v.c, 1},
                                   {0, width, v.c},
                                   {0, height, v.c * v.full_w()},
                                   {0, v.n, v.c * v.full_w() * v.full_h()}};
        return Buffer<float>(base(v) + (size_t(y0) * v.full_w() + x0) * v.c, 4, d);
    }
    // Dense (K, M) matrix view: K = C, M = W * H * N (no border).
    Buffer<float> matrix(Value &v) {
        halide_dimension_t d[2] = {{0, v.c, 1}, {0, v.w * v.h * v.n, v.c}};
        return Buffer<float>(base(v), 2, d);
    }
    void fill_border(Value &v, float fill);
    // The input of a kernel that reads padding: its origin `pad` pixels before the image.
    Buffer<float> padded_input(Value &v, const Node &n) {
        return window(v, v.border - n.pad_left, v.border - n.pad_top, v.w + v.border + n.pad_left,
                      v.h + v.border + n.pad_top);
    }
    // A 4-D view of any value: images as they are, (K, N) matrices as (K, 1, 1, N).
    Buffer<float> as_image(Value &v) { return interior(v); }

    // --- lowering ---
    Status plan_values();
    Status lower_node(const Node &n);
    Status lower_conv(const Node &n, const std::string &op);
    Status lower_depthwise(const Node &n, const std::string &op);
    Status lower_gemm(const Node &n, const std::string &op);
    Buffer<float> &constant(std::vector<int> shape);
    void add_step(const Node &n, const std::string &op, const std::string &variant, std::function<int()> run);
    std::string conv_method(const Node &n) const;
    Status allocate();
};

std::string fused_op_name(const Node &n) {
    std::string s = op_name(n.op);
    if (n.has_clamp()) s += n.clamp_min == 0.0f && n.clamp_max > 3e38f ? "+Relu" : "+Clip";
    return s;
}

int CpuSession::new_value(int tensor, const std::vector<int64_t> &shape) {
    Value v;
    v.tensor = tensor;
    if (shape.size() == 4) {
        v.image = true;
        v.n = static_cast<int>(shape[0]);
        v.c = static_cast<int>(shape[1]);
        v.h = static_cast<int>(shape[2]);
        v.w = static_cast<int>(shape[3]);
    } else {
        v.n = static_cast<int>(shape[0]);
        int64_t k = 1;
        for (size_t i = 1; i < shape.size(); i++) k *= shape[i];
        v.c = static_cast<int>(k);
    }
    values_.push_back(v);
    const int id = static_cast<int>(values_.size()) - 1;
    if (tensor >= 0) value_of_[tensor] = id;
    return id;
}

void CpuSession::fill_border(Value &v, float fill) {
    if (v.border == 0) return;
    Buffer<float> all = full(v);
    const int b = v.border, fw = v.full_w(), fh = v.full_h();
    all.cropped(2, 0, b).fill(fill);
    all.cropped(2, fh - b, b).fill(fill);
    all.cropped(2, b, v.h).cropped(1, 0, b).fill(fill);
    all.cropped(2, b, v.h).cropped(1, fw - b, b).fill(fill);
}

std::string CpuSession::conv_method(const Node &n) const {
    const bool pointwise = n.kernel_h == 1 && n.kernel_w == 1 && n.stride_h == 1 && n.stride_w == 1 &&
                           !n.pad_top && !n.pad_left && !n.pad_bottom && !n.pad_right;
    if (opt_.conv == ConvAlgorithm::kImplicit) return "direct";
    if (opt_.conv == ConvAlgorithm::kGemm) return pointwise ? "gemm" : "im2col_gemm";
    if (pointwise) return "gemm";
    // auto on the CPU, from docs/results/layers_x86.md (FP32, 2 threads): the
    // direct kernel wins on large images (28 x 28 outputs and up: ResNet50's
    // stem, layer1 and layer2, VGG16's first four blocks) and on few input channels,
    // im2col + GEMM on the smaller, deeper layers (ResNet50's layer3 / layer4).
    const Tensor &out = g_.tensors[n.outputs[0]];
    const Tensor &w = g_.tensors[n.inputs[1]];
    const int64_t pixels = out.shape[2] * out.shape[3];
    return pixels >= 28 * 28 || w.shape[1] < 16 ? "direct" : "im2col_gemm";
}

// Decides borders and dense requirements before any memory is placed.
Status CpuSession::plan_values() {
    for (int t : g_.inputs) input_value_ = new_value(t, g_.tensors[t].shape);
    for (const auto &n : g_.nodes) {
        const int out = n.outputs[0];
        if (n.op == OpType::kFlatten) {
            const int src = value_for(n.inputs[0]);
            const int id = new_value(out, g_.tensors[out].shape);
            values_[id].alias_of = values_[src].alias_of >= 0 ? values_[src].alias_of : src;
            values_[values_[id].alias_of].needs_dense = true;
            continue;
        }
        new_value(out, g_.tensors[out].shape);
        Value &x = val(n.inputs[0]);
        const int pad = std::max({n.pad_top, n.pad_left, n.pad_bottom, n.pad_right});
        if (n.op == OpType::kConv) {
            const std::string m = n.group > 1 ? "depthwise" : conv_method(n);
            if (m == "direct" || m == "depthwise") x.border = std::max(x.border, pad);
            if (m == "gemm") x.needs_dense = true;
        } else if (n.op == OpType::kGemm) {
            x.needs_dense = true;
        }
    }
    for (auto &v : values_)
        if (v.needs_dense && v.border > 0)
            return {StatusCode::kUnsupported, "tensor '" + g_.tensors[v.tensor].name +
                                                  "' is read both as a matrix and with padding; use --conv implicit"};
    return Status::ok();
}

Buffer<float> &CpuSession::constant(std::vector<int> shape) {
    constants_.emplace_back(shape);
    return constants_.back();
}

void CpuSession::add_step(const Node &n, const std::string &op, const std::string &variant, std::function<int()> run) {
    Step s;
    s.info.name = n.name;
    s.info.op = op;
    s.info.variant = variant;
    s.info.macs = node_macs(g_, n);
    s.run = std::move(run);
    steps_.push_back(std::move(s));
}

Status CpuSession::lower_conv(const Node &n, const std::string &op) {
    const Tensor &wt = g_.tensors[n.inputs[1]];
    const int cout = static_cast<int>(wt.shape[0]), cin = static_cast<int>(wt.shape[1]);
    const int kh = n.kernel_h, kw = n.kernel_w, K = cin * kh * kw;
    // OIHW -> (N, K) with k = c + C * (kx + KW * ky) (docs/arithmetic.md, "im2col").
    std::vector<float> ohwi(static_cast<size_t>(cout) * K);
    for (int o = 0; o < cout; o++)
        for (int c = 0; c < cin; c++)
            for (int y = 0; y < kh; y++)
                for (int x = 0; x < kw; x++)
                    ohwi[size_t(o) * K + c + cin * (x + kw * y)] = wt.f32[((size_t(o) * cin + c) * kh + y) * kw + x];
    const std::vector<float> packed = pack_gemm_fp32_weights(ohwi.data(), K, cout);
    Buffer<float> &rhs = constant({cout, K});
    std::memcpy(rhs.data(), packed.data(), packed.size() * sizeof(float));
    Buffer<float> &bias = constant({cout});
    for (int o = 0; o < cout; o++) bias(o) = n.inputs.size() > 2 ? g_.tensors[n.inputs[2]].f32[o] : 0.0f;
    const float lo = n.clamp_min, hi = n.clamp_max;
    const Value &y = val(n.outputs[0]);
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    std::string method = conv_method(n);
    // A GEMM writes a dense matrix; an output with a border (its reader pads)
    // would take one GEMM per row: auto takes the direct kernel instead.
    if (method == "gemm" && y.border > 0 && opt_.conv == ConvAlgorithm::kAuto) method = "direct";
    const KernelFamily *f = f_;
    if (method == "direct") {
        add_step(n, op, "conv2d_fp32_implicit", [=, &rhs, &bias]() mutable {
            Value &xv = values_[xi];
            fill_border(xv, 0.0f);
            Buffer<float> in = padded_input(xv, n), out = interior(values_[yi]);
            return f->conv2d_fp32_implicit(in, rhs, bias, lo, hi, kw, kh, n.stride_w, n.stride_h, out);
        });
        return Status::ok();
    }
    if (method == "gemm" && y.border == 0) {
        add_step(n, op, "gemm_fp32", [=, &rhs, &bias]() mutable {
            Buffer<float> lhs = matrix(values_[xi]), out = matrix(values_[yi]);
            return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
        });
        return Status::ok();
    }
    // im2col into a per-step scratch matrix (K, M), then one GEMM; a bordered
    // output is written one output row at a time.
    const int M = y.w * y.h * y.n;
    const int scratch = new_value(-1, {1, static_cast<int64_t>(K) * M});
    values_[scratch].first = values_[scratch].last = static_cast<int>(steps_.size());  // this step only
    add_step(n, op, method == "gemm" ? "gemm_fp32 (row by row)" : "im2col_fp32+gemm_fp32",
             [=, &rhs, &bias]() mutable {
                 Value &sv = values_[scratch];
                 Value &xv = values_[xi];
                 Value &yv = values_[yi];
                 float *lhs_data = base(sv);
                 halide_dimension_t ld[2] = {{0, K, 1}, {0, M, K}};
                 Buffer<float> lhs(lhs_data, 2, ld);
                 // The same memory as im2col's 5-D output: (C * KW, KH, OW, OH, N).
                 halide_dimension_t vd[5] = {{0, cin * kw, 1},
                                             {0, kh, cin * kw},
                                             {0, yv.w, K},
                                             {0, yv.h, K * yv.w},
                                             {0, yv.n, K * yv.w * yv.h}};
                 Buffer<float> view(lhs_data, 5, vd);
                 // im2col reads the unpadded image as (C * W, H, N).
                 halide_dimension_t id[3] = {{0, xv.c * xv.w, 1},
                                             {0, xv.h, xv.c * xv.full_w()},
                                             {0, xv.n, xv.c * xv.full_w() * xv.full_h()}};
                 Buffer<float> in(base(xv) + (size_t(xv.border) * xv.full_w() + xv.border) * xv.c, 3, id);
                 int e = f->im2col_fp32(cin, n.stride_w, n.stride_h, n.pad_left, n.pad_top, 0, in, view);
                 if (e) return e;
                 if (yv.border == 0) {
                     Buffer<float> out = matrix(yv);
                     return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
                 }
                 for (int img = 0; img < yv.n; img++)
                     for (int r = 0; r < yv.h; r++) {
                         Buffer<float> rows = lhs.cropped(1, (img * yv.h + r) * yv.w, yv.w);
                         rows.translate(1, -rows.dim(1).min());
                         Buffer<float> row = window(yv, yv.border, yv.border + r, yv.w, 1).sliced(3, img);
                         halide_dimension_t od[2] = {{0, yv.c, 1}, {0, yv.w, yv.c}};
                         Buffer<float> out(row.data(), 2, od);
                         e = f->gemm_fp32(rows, rhs, bias, lo, hi, out);
                         if (e) return e;
                     }
                 return 0;
             });
    return Status::ok();
}

Status CpuSession::lower_depthwise(const Node &n, const std::string &op) {
    const Tensor &wt = g_.tensors[n.inputs[1]];
    const int c = static_cast<int>(wt.shape[0]);
    Buffer<float> &w = constant({c, 3, 3});
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) w(ch, x, y) = wt.f32[(size_t(ch) * 3 + y) * 3 + x];
    Buffer<float> &bias = constant({c});
    for (int ch = 0; ch < c; ch++) bias(ch) = n.inputs.size() > 2 ? g_.tensors[n.inputs[2]].f32[ch] : 0.0f;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const float lo = n.clamp_min, hi = n.clamp_max;
    const KernelFamily *f = f_;
    add_step(n, op, "depthwise_conv2d_fp32", [=, &w, &bias]() mutable {
        Value &xv = values_[xi];
        fill_border(xv, 0.0f);
        Buffer<float> in = padded_input(xv, n), out = interior(values_[yi]);
        return f->depthwise_conv2d_fp32(in, w, bias, lo, hi, n.stride_w, n.stride_h, out);
    });
    return Status::ok();
}

Status CpuSession::lower_gemm(const Node &n, const std::string &op) {
    const Tensor &wt = g_.tensors[n.inputs[1]];
    const Value &x = val(n.inputs[0]);
    const int K = static_cast<int>(n.trans_b ? wt.shape[1] : wt.shape[0]);
    const int N = static_cast<int>(n.trans_b ? wt.shape[0] : wt.shape[1]);
    // Features arrive in NHWC order when the Gemm reads a flattened image:
    // feature (c, x, y) sits at k = c + C * (x + W * y) here, at c * H * W + y * W + x in ONNX.
    const Value &src = x.alias_of >= 0 ? values_[x.alias_of] : x;
    std::vector<float> w(static_cast<size_t>(N) * K);  // (N, K) row-major, our k order, alpha folded
    for (int o = 0; o < N; o++)
        for (int k = 0; k < K; k++) {
            int onnx_k = k;
            if (src.image) {
                const int ch = k % src.c, px = (k / src.c) % src.w, py = k / (src.c * src.w);
                onnx_k = (ch * src.h + py) * src.w + px;
            }
            const float v = n.trans_b ? wt.f32[size_t(o) * K + onnx_k] : wt.f32[size_t(onnx_k) * N + o];
            w[size_t(o) * K + k] = n.alpha * v;
        }
    const std::vector<float> packed = pack_gemm_fp32_weights(w.data(), K, N);
    Buffer<float> &rhs = constant({N, K});
    std::memcpy(rhs.data(), packed.data(), packed.size() * sizeof(float));
    Buffer<float> &bias = constant({N});
    for (int o = 0; o < N; o++) bias(o) = n.inputs.size() > 2 ? n.beta * g_.tensors[n.inputs[2]].f32[o] : 0.0f;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const float lo = n.clamp_min, hi = n.clamp_max;
    const KernelFamily *f = f_;
    add_step(n, op, "gemm_fp32", [=, &rhs, &bias]() mutable {
        Buffer<float> lhs = matrix(values_[xi]), out = matrix(values_[yi]);
        return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
    });
    return Status::ok();
}

Status CpuSession::lower_node(const Node &n) {
    const std::string op = fused_op_name(n);
    const KernelFamily *f = f_;
    const float lo = n.clamp_min, hi = n.clamp_max;
    switch (n.op) {
        case OpType::kConv:
            return n.group > 1 ? lower_depthwise(n, op) : lower_conv(n, op);
        case OpType::kGemm:
            return lower_gemm(n, op);
        case OpType::kFlatten:
            return Status::ok();  // a view (plan_values)
        case OpType::kBatchNormalization:
        case OpType::kRelu:
        case OpType::kClip: {
            // A per-channel affine + clamp: the batch_norm kernel (depthwise with a 1x1 window).
            const int c = val(n.inputs[0]).c;
            Buffer<float> &w = constant({c, 1, 1});
            Buffer<float> &bias = constant({c});
            for (int ch = 0; ch < c; ch++) {
                float s = 1.0f, b = 0.0f;
                if (n.op == OpType::kBatchNormalization) {
                    const auto &gm = g_.tensors[n.inputs[1]].f32, &bt = g_.tensors[n.inputs[2]].f32,
                               &mn = g_.tensors[n.inputs[3]].f32, &vr = g_.tensors[n.inputs[4]].f32;
                    s = static_cast<float>(gm[ch] / std::sqrt(static_cast<double>(vr[ch]) + n.epsilon));
                    b = bt[ch] - mn[ch] * s;
                }
                w(ch, 0, 0) = s;
                bias(ch) = b;
            }
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            add_step(n, op, "batch_norm_fp32", [=, &w, &bias]() mutable {
                Buffer<float> in = as_image(values_[xi]), out = as_image(values_[yi]);
                return f->batch_norm_fp32(in, w, bias, lo, hi, 1, 1, out);
            });
            return Status::ok();
        }
        case OpType::kMaxPool:
        case OpType::kAveragePool: {
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            const auto fn = n.op == OpType::kMaxPool ? f->max_pool_fp32 : f->average_pool_fp32;
            add_step(n, op, n.op == OpType::kMaxPool ? "max_pool_fp32" : "average_pool_fp32", [=]() mutable {
                Buffer<float> in = interior(values_[xi]), out = interior(values_[yi]);
                return fn(n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, n.pad_left, n.pad_top, in, out);
            });
            return Status::ok();
        }
        case OpType::kGlobalAveragePool: {
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            add_step(n, op, "global_average_pool_fp32", [=]() mutable {
                Buffer<float> in = interior(values_[xi]), out = interior(values_[yi]);
                return f->global_average_pool_fp32(in, out);
            });
            return Status::ok();
        }
        case OpType::kAdd: {
            const int ai = value_for(n.inputs[0]), bi = value_for(n.inputs[1]), oi = value_for(n.outputs[0]);
            add_step(n, op, "add_fp32", [=]() mutable {
                Value &a = values_[ai], &b = values_[bi], &o = values_[oi];
                if (!a.border && !b.border && !o.border) {
                    Buffer<float> av = matrix(a), bv = matrix(b), ov = matrix(o);
                    return f->add_fp32(av, bv, lo, hi, ov);
                }
                for (int img = 0; img < o.n; img++)  // bordered: one image row at a time
                    for (int r = 0; r < o.h; r++) {
                        auto row = [&](Value &v) {
                            Buffer<float> w = window(v, v.border, v.border + r, v.w, 1).sliced(3, img).sliced(2, 0);
                            return w;
                        };
                        Buffer<float> av = row(a), bv = row(b), ov = row(o);
                        const int e = f->add_fp32(av, bv, lo, hi, ov);
                        if (e) return e;
                    }
                return 0;
            });
            return Status::ok();
        }
        case OpType::kSoftmax:
            return {StatusCode::kUnsupported, "Softmax node '" + n.name +
                                                  "': not executed yet (mobiq imports it; the kernel is planned)"};
    }
    return {StatusCode::kInternal, "unhandled op"};
}

Status CpuSession::allocate() {
    // Lifetimes: a value lives from the step that writes it to the last step reading it.
    // Step 0 converts the input; node steps follow in order; the last step converts the output.
    std::vector<Lifetime> life;
    std::vector<int> placed;
    for (size_t i = 0; i < values_.size(); i++) {
        Value &v = values_[i];
        if (v.alias_of >= 0 || v.first < 0) continue;
        life.push_back({v.bytes(), v.first, v.last});
        placed.push_back(static_cast<int>(i));
    }
    const MemoryPlan plan = plan_memory(life, kAlignment);
    arena_storage_.assign(plan.arena_bytes + kAlignment, 0);
    arena_ = reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(arena_storage_.data()) + kAlignment - 1) /
                                         kAlignment * kAlignment);
    for (size_t j = 0; j < placed.size(); j++) values_[placed[j]].offset = plan.offsets[j];
    arena_bytes_ = plan.arena_bytes;
    unshared_bytes_ = plan.unshared_bytes;
    return Status::ok();
}

Status CpuSession::compile(const Graph &graph, const CompileOptions &options) {
    opt_ = options;
    g_ = graph;
    const std::string problem = validate_graph(g_);
    if (!problem.empty()) return {StatusCode::kInvalidModel, problem};
    if (g_.inputs.size() != 1 || g_.outputs.size() != 1)
        return {StatusCode::kUnsupported, "mobiq runs models with one input and one output"};
    if (options.precision != Precision::kFp32)
        return {StatusCode::kUnsupported, "INT8 sessions are not implemented yet (docs/status.md)"};
    if (options.device != Device::kCpu)
        return {StatusCode::kUnsupported, "OpenCL sessions are not implemented yet (docs/status.md)"};
#if defined(MOBIQ_CPU_FAMILY_X86)
    f_ = find_kernel_family("host_x86");
#else
    f_ = find_kernel_family("arm64");
#endif
    if (f_ == nullptr) return {StatusCode::kInternal, "no CPU kernel family in this build"};

    if (options.fold_batch_norm) fold_batch_norms(&g_);
    fuse_activations(&g_);
    remove_dead_nodes(&g_);
    input_shape_ = g_.tensors[g_.inputs[0]].shape;
    output_shape_ = g_.tensors[g_.outputs[0]].shape;
    if (input_shape_.size() != 4) return {StatusCode::kUnsupported, "the model input must be 4-D (N, C, H, W)"};

    MOBIQ_RETURN_IF_ERROR(plan_values());
    // Node i runs as step i (Flatten makes none: the index of the next step is
    // taken when lowering); steps build their views when they run, so memory
    // is placed after lowering, from the lifetimes.
    for (auto &v : values_) v.first = v.last = -1;
    values_[value_for(g_.inputs[0])].first = 0;
    for (const auto &n : g_.nodes) {
        const int step = static_cast<int>(steps_.size());
        MOBIQ_RETURN_IF_ERROR(lower_node(n));
        auto hold = [&](int t) {
            Value &v = val(t);
            Value &m = v.alias_of >= 0 ? values_[v.alias_of] : v;
            if (m.first < 0) m.first = step;
            m.last = std::max(m.last, step);
        };
        for (int t : n.outputs) hold(t);
        for (int t : n.inputs)
            if (!g_.tensors[t].constant) hold(t);
    }
    {
        Value &out = val(g_.outputs[0]);
        Value &m = out.alias_of >= 0 ? values_[out.alias_of] : out;
        m.last = static_cast<int>(steps_.size());  // read back after the last step
    }
    MOBIQ_RETURN_IF_ERROR(allocate());
    input_value_ = value_for(g_.inputs[0]);
    output_value_ = value_for(g_.outputs[0]);
    for (const auto &s : steps_) infos_.push_back(s.info);
    return Status::ok();
}

Status CpuSession::run(const float *input, size_t input_elements, float *output, size_t output_elements,
                       bool profile) {
    int64_t want_in = 1, want_out = 1;
    for (auto d : input_shape_) want_in *= d;
    for (auto d : output_shape_) want_out *= d;
    if (input == nullptr || output == nullptr) return {StatusCode::kInvalidArgument, "run: null input or output"};
    if (static_cast<int64_t>(input_elements) != want_in)
        return {StatusCode::kInvalidArgument, "run: the input has " + std::to_string(input_elements) +
                                                  " elements, the model wants " + std::to_string(want_in)};
    if (static_cast<int64_t>(output_elements) != want_out)
        return {StatusCode::kInvalidArgument, "run: the output has room for " + std::to_string(output_elements) +
                                                  " elements, the model produces " + std::to_string(want_out)};
    if (opt_.threads > 0) halide_set_num_threads(opt_.threads);
    using clock = std::chrono::steady_clock;
    // NCHW -> NHWC (the input's border is filled by the step that reads it).
    {
        Value &v = values_[input_value_];
        Buffer<float> in = interior(v);
        for (int n = 0; n < v.n; n++)
            for (int c = 0; c < v.c; c++)
                for (int y = 0; y < v.h; y++)
                    for (int x = 0; x < v.w; x++) in(c, x, y, n) = input[((size_t(n) * v.c + c) * v.h + y) * v.w + x];
    }
    for (size_t i = 0; i < steps_.size(); i++) {
        const auto t0 = clock::now();
        const int e = steps_[i].run();
        if (e != 0) {
            const std::string why = take_last_kernel_error();
            return {StatusCode::kKernel, "layer '" + steps_[i].info.name + "' (" + steps_[i].info.variant +
                                             ") failed: " + (why.empty() ? "error " + std::to_string(e) : why)};
        }
        if (profile) infos_[i].ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
    }
    Value &o = values_[output_value_];
    if (o.image) {
        Buffer<float> out = interior(o);
        for (int n = 0; n < o.n; n++)
            for (int c = 0; c < o.c; c++)
                for (int y = 0; y < o.h; y++)
                    for (int x = 0; x < o.w; x++)
                        output[((size_t(n) * o.c + c) * o.h + y) * o.w + x] = out(c, x, y, n);
    } else {
        const Value &m = o.alias_of >= 0 ? values_[o.alias_of] : o;
        std::memcpy(output, arena_ + m.offset, sizeof(float) * size_t(want_out));
    }
    return Status::ok();
}

}  // namespace

Status Session::create(const Graph &graph, const CompileOptions &options, std::unique_ptr<Session> *session) {
    if (session == nullptr) return {StatusCode::kInvalidArgument, "Session::create: null session pointer"};
    install_kernel_error_handler();
    auto s = std::make_unique<CpuSession>();
    MOBIQ_RETURN_IF_ERROR(s->compile(graph, options));
    *session = std::move(s);
    return Status::ok();
}

}  // namespace mobiq
