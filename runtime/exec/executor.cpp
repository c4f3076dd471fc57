// The executor's common part (values, borders, lifetimes, the arena,
// running the steps) and its FP32 lowering (executor.h).
#include "executor.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <type_traits>

#include "HalideRuntime.h"
#if defined(MOBIQ_HAVE_OPENCL)
#include <CL/cl.h>

#include "HalideRuntimeOpenCL.h"
#include "mobiq/opencl_arm_dot.h"
extern "C" int halide_acquire_cl_context(void *user_context, cl_context *ctx, cl_command_queue *q, bool create);
extern "C" int halide_release_cl_context(void *user_context);
#endif
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/layer_params.h"
#include "mobiq/memory_plan.h"
#include "mobiq/passes.h"

namespace mobiq {
namespace {

constexpr size_t kAlignment = 64;

}  // namespace

std::string fused_op_name(const Node &n) {
    std::string s = op_name(n.op);
    if (n.has_clamp()) s += n.clamp_min == 0.0f && n.clamp_max > 3e38f ? "+Relu" : "+Clip";
    return s;
}

template <typename T>
Executor::Buffer<T> Executor::host_view(Value &v, size_t offset, int rank, halide_dimension_t *d) {
    Value &m = storage_of(v);
    uint8_t *base = opencl_ ? m.storage.data() : arena_ + m.offset;
    return Buffer<T>(reinterpret_cast<T *>(base) + offset, rank, d);
}

template <typename T>
Executor::Buffer<T> Executor::view(Value &v, size_t offset, int rank, halide_dimension_t *d) {
    if (!opencl_) return host_view<T>(v, offset, rank, d);
#if defined(MOBIQ_HAVE_OPENCL)
    // Wrap the value's cl_mem as a buffer whose dimension 0 starts `offset`
    // elements earlier, then crop to the view: Halide's device crop carries
    // the offset (dimension 0 is dense, so the offset is a crop along it).
    Value &m = storage_of(v);
    const int extent0 = d[0].extent;
    d[0].extent += static_cast<int>(offset);
    Buffer<T> whole(nullptr, rank, d);
    d[0].extent = extent0;
    whole.device_wrap_native(halide_opencl_device_interface(),
                             halide_opencl_get_cl_mem(nullptr, m.storage.raw_buffer()));
    if (offset == 0) return whole.cropped(0, 0, extent0);
    Buffer<T> cropped = whole.cropped(0, static_cast<int>(offset), extent0);
    cropped.translate(0, -static_cast<int>(offset));
    return cropped;
#else
    return Buffer<T>();
#endif
}

template Executor::Buffer<float> Executor::view<float>(Value &, size_t, int, halide_dimension_t *);
template Executor::Buffer<int8_t> Executor::view<int8_t>(Value &, size_t, int, halide_dimension_t *);
template Executor::Buffer<float> Executor::host_view<float>(Value &, size_t, int, halide_dimension_t *);
template Executor::Buffer<int8_t> Executor::host_view<int8_t>(Value &, size_t, int, halide_dimension_t *);

int Executor::new_value(int tensor, const std::vector<int64_t> &shape, int elem) {
    Value v;
    v.tensor = tensor;
    v.elem = elem;
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
    v.c_alloc = elem == 1 ? (v.c + 3) / 4 * 4 : v.c;
    values_.push_back(v);
    const int id = static_cast<int>(values_.size()) - 1;
    if (tensor >= 0) value_of_[tensor] = id;
    return id;
}

template <typename T>
void Executor::fill_border(Value &v, T fill) {
    // OpenCL values own their memory: their borders are written once, at allocation.
    if (v.border == 0 || opencl_) return;
    Buffer<T> all = full<T>(v);
    const int b = v.border, fw = v.full_w(), fh = v.full_h();
    all.cropped(2, 0, b).fill(fill);
    all.cropped(2, fh - b, b).fill(fill);
    all.cropped(2, b, v.h).cropped(1, 0, b).fill(fill);
    all.cropped(2, b, v.h).cropped(1, fw - b, b).fill(fill);
}
template void Executor::fill_border<float>(Value &, float);
template void Executor::fill_border<int8_t>(Value &, int8_t);

std::string Executor::conv_method(const Node &n) const {
    const bool pointwise = n.kernel_h == 1 && n.kernel_w == 1 && n.stride_h == 1 && n.stride_w == 1 &&
                           !n.pad_top && !n.pad_left && !n.pad_bottom && !n.pad_right;
    if (opt_.conv == ConvAlgorithm::kImplicit) return "direct";
    if (opt_.conv == ConvAlgorithm::kGemm) return pointwise ? "gemm" : "im2col_gemm";
    // auto on OpenCL, from whole networks on the H100 (docs/networks.md): FP32
    // runs the direct kernel everywhere (1x1 layers too); INT8 the implicit
    // kernel on spatial layers and the GEMM on 1x1 layers (MobileNet-v1's
    // pointwise layers lose 25% on the implicit kernel, ResNet50's gain 10%).
    if (opencl_ && !int8_) return "direct";
    if (pointwise) return "gemm";
    if (opencl_) return "direct";
    // auto on the CPU, from docs/results/layers_x86.md (FP32, 2 threads): the
    // direct kernel wins on large images (28 x 28 outputs and up: ResNet50's
    // stem, layer1 and layer2, VGG16's first four blocks) and on few input channels,
    // im2col + GEMM on the smaller, deeper layers (ResNet50's layer3 / layer4).
    // INT8 follows the same rule (the implicit kernel against im2col + GEMM).
    const Tensor &out = g_.tensors[n.outputs[0]];
    const Tensor &w = g_.tensors[n.inputs[1]];
    const int64_t pixels = out.shape[2] * out.shape[3];
    return pixels >= 28 * 28 || w.shape[1] < 16 ? "direct" : "im2col_gemm";
}

// Decides borders and dense requirements before any memory is placed.
Status Executor::plan_values() {
    const int elem = int8_ ? 1 : 4;
    for (int t : g_.inputs) input_value_ = new_value(t, g_.tensors[t].shape, elem);
    for (const auto &n : g_.nodes) {
        const int out = n.outputs[0];
        if (n.op == OpType::kFlatten) {
            const int src = value_for(n.inputs[0]);
            const int id = new_value(out, g_.tensors[out].shape, elem);
            values_[id].alias_of = values_[src].alias_of >= 0 ? values_[src].alias_of : src;
            values_[values_[id].alias_of].needs_dense = true;
            if (values_[id].c_alloc != values_[id].c || values_[src].c_alloc != values_[src].c)
                return {StatusCode::kUnsupported, "Flatten node '" + n.name +
                                                      "': INT8 flattening of channels that are not a multiple of 4"};
            continue;
        }
        new_value(out, g_.tensors[out].shape, elem);
        Value &x = val(n.inputs[0]);
        const int pad = std::max({n.pad_top, n.pad_left, n.pad_bottom, n.pad_right});
        if (n.op == OpType::kConv) {
            const std::string m = n.group > 1 ? "depthwise" : conv_method(n);
            if ((m == "direct" || m == "depthwise") && !opencl_) x.border = std::max(x.border, pad);
            if (m == "gemm") x.needs_dense = true;
        } else if (n.op == OpType::kGemm || n.op == OpType::kSoftmax) {
            x.needs_dense = true;
        }
    }
    for (auto &v : values_)
        if (v.needs_dense && v.border > 0)
            return {StatusCode::kUnsupported, "tensor '" + g_.tensors[v.tensor].name +
                                                  "' is read both as a matrix and with padding; use --conv implicit"};
    return Status::ok();
}

Executor::Buffer<float> &Executor::constant_f32(std::vector<int> shape) {
    constants_f32_.emplace_back(shape);
    return constants_f32_.back();
}

Executor::Buffer<int8_t> &Executor::constant_i8(std::vector<int> shape) {
    constants_i8_.emplace_back(shape);
    return constants_i8_.back();
}

Executor::Buffer<int32_t> &Executor::constant_i32(const std::vector<int32_t> &values) {
    constants_i32_.emplace_back(static_cast<int>(values.size()));
    std::copy(values.begin(), values.end(), constants_i32_.back().data());
    return constants_i32_.back();
}

void Executor::add_step(const Node &n, const std::string &op, const std::string &variant, std::function<int()> run) {
    Step s;
    s.info.name = n.name;
    s.info.op = op;
    s.info.variant = variant;
    s.info.macs = node_macs(g_, n);
    s.run = std::move(run);
    s.outputs = n.outputs;
    steps_.push_back(std::move(s));
}

Status Executor::lower_conv(const Node &n, const std::string &op) {
    const Tensor &wt = g_.tensors[n.inputs[1]];
    const int cout = static_cast<int>(wt.shape[0]), cin = static_cast<int>(wt.shape[1]);
    const int kh = n.kernel_h, kw = n.kernel_w, K = cin * kh * kw;
    const std::vector<float> ohwi = conv_weights_ohwi(wt);
    std::vector<float> packed;
    MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(ohwi.data(), K, cout, &packed));
    Buffer<float> &rhs = constant_f32({cout, K});
    std::memcpy(rhs.data(), packed.data(), packed.size() * sizeof(float));
    Buffer<float> &bias = constant_f32({cout});
    for (int o = 0; o < cout; o++) bias(o) = n.inputs.size() > 2 ? g_.tensors[n.inputs[2]].f32[o] : 0.0f;
    const float lo = n.clamp_min, hi = n.clamp_max;
    const Value &y = val(n.outputs[0]);
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    std::string method = conv_method(n);
    // A GEMM writes a dense matrix; an output with a border (its reader pads)
    // would take one GEMM per row: auto takes the direct kernel instead.
    if (method == "gemm" && y.border > 0 && opt_.conv == ConvAlgorithm::kAuto) method = "direct";
    const Kernels *f = f_;
    if (method == "direct") {
        const int shadow = shadow_for(xi, n);
        add_step(n, op, "conv2d_fp32_implicit", [=, &rhs, &bias]() mutable {
            fill_border<float>(values_[xi], 0.0f);
            Buffer<float> in = padded_input<float>(xi, shadow, n, values_[xi].c_alloc), out = interior<float>(values_[yi]);
            return f->conv2d_fp32_implicit(in, rhs, bias, lo, hi, kw, kh, n.stride_w, n.stride_h, out);
        });
        return Status::ok();
    }
    if (method == "gemm" && y.border == 0) {
        add_step(n, op, "gemm_fp32", [=, &rhs, &bias]() mutable {
            Buffer<float> lhs = matrix<float>(values_[xi]), out = matrix<float>(values_[yi]);
            return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
        });
        return Status::ok();
    }
    // im2col into a per-step scratch matrix (K, M), then one GEMM; a bordered
    // output is written one output row at a time.
    const int M = y.w * y.h * y.n;
    const int scratch = new_value(-1, {1, static_cast<int64_t>(K) * M}, 4);
    values_[scratch].first = values_[scratch].last = static_cast<int>(steps_.size());  // this step only
    add_step(n, op, method == "gemm" ? "gemm_fp32 (row by row)" : "im2col_fp32+gemm_fp32",
             [=, &rhs, &bias]() mutable {
                 Value &xv = values_[xi], &yv = values_[yi];
                 auto [lhs, cols, in] = im2col_views<float>(scratch, xv, yv, cin, kh, kw, K);
                 int e = f->im2col_fp32(cin, n.stride_w, n.stride_h, n.pad_left, n.pad_top, 0, in, cols);
                 if (e) return e;
                 if (yv.border == 0) {
                     Buffer<float> out = matrix<float>(yv);
                     return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
                 }
                 for (int img = 0; img < yv.n; img++)
                     for (int r = 0; r < yv.h; r++) {
                         Buffer<float> rows = lhs.cropped(1, (img * yv.h + r) * yv.w, yv.w);
                         rows.translate(1, -rows.dim(1).min());
                         Buffer<float> out = row<float>(yv, img, r);
                         e = f->gemm_fp32(rows, rhs, bias, lo, hi, out);
                         if (e) return e;
                     }
                 return 0;
             });
    return Status::ok();
}

Status Executor::lower_depthwise(const Node &n, const std::string &op) {
    const Tensor &wt = g_.tensors[n.inputs[1]];
    const int c = static_cast<int>(wt.shape[0]);
    Buffer<float> &w = constant_f32({c, 3, 3});
    for (int ch = 0; ch < c; ch++)
        for (int y = 0; y < 3; y++)
            for (int x = 0; x < 3; x++) w(ch, x, y) = wt.f32[(size_t(ch) * 3 + y) * 3 + x];
    Buffer<float> &bias = constant_f32({c});
    for (int ch = 0; ch < c; ch++) bias(ch) = n.inputs.size() > 2 ? g_.tensors[n.inputs[2]].f32[ch] : 0.0f;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const float lo = n.clamp_min, hi = n.clamp_max;
    const Kernels *f = f_;
    const int shadow = shadow_for(xi, n);
    add_step(n, op, "depthwise_conv2d_fp32", [=, &w, &bias]() mutable {
        fill_border<float>(values_[xi], 0.0f);
        Buffer<float> in = padded_input<float>(xi, shadow, n, values_[xi].c), out = interior<float>(values_[yi]);
        return f->depthwise_conv2d_fp32(in, w, bias, lo, hi, n.stride_w, n.stride_h, out);
    });
    return Status::ok();
}

Status Executor::lower_gemm(const Node &n, const std::string &op) {
    const std::vector<float> w = gemm_weights_nk(g_, n), b = gemm_bias(g_, n);
    const int N = static_cast<int>(b.size()), K = static_cast<int>(w.size() / b.size());
    std::vector<float> packed;
    MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(w.data(), K, N, &packed));
    Buffer<float> &rhs = constant_f32({N, K});
    std::memcpy(rhs.data(), packed.data(), packed.size() * sizeof(float));
    Buffer<float> &bias = constant_f32({N});
    std::copy(b.begin(), b.end(), bias.data());
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const float lo = n.clamp_min, hi = n.clamp_max;
    const Kernels *f = f_;
    add_step(n, op, "gemm_fp32", [=, &rhs, &bias]() mutable {
        Buffer<float> lhs = matrix<float>(values_[xi]), out = matrix<float>(values_[yi]);
        return f->gemm_fp32(lhs, rhs, bias, lo, hi, out);
    });
    return Status::ok();
}

Status Executor::lower_node(const Node &n) {
    const std::string op = fused_op_name(n);
    const Kernels *f = f_;
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
            std::vector<float> scale(c, 1.0f), shift(c, 0.0f);  // Relu / Clip: the identity, clamped
            if (n.op == OpType::kBatchNormalization) batch_norm_affine(g_, n, &scale, &shift);
            Buffer<float> &w = constant_f32({c, 1, 1});
            Buffer<float> &bias = constant_f32({c});
            std::copy(scale.begin(), scale.end(), w.data());
            std::copy(shift.begin(), shift.end(), bias.data());
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            add_step(n, op, "batch_norm_fp32", [=, &w, &bias]() mutable {
                Buffer<float> in = interior<float>(values_[xi]), out = interior<float>(values_[yi]);
                return f->batch_norm_fp32(in, w, bias, lo, hi, 1, 1, out);
            });
            return Status::ok();
        }
        case OpType::kMaxPool:
        case OpType::kAveragePool: {
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            const auto fn = n.op == OpType::kMaxPool ? f->max_pool_fp32 : f->average_pool_fp32;
            add_step(n, op, n.op == OpType::kMaxPool ? "max_pool_fp32" : "average_pool_fp32", [=]() mutable {
                Buffer<float> in = interior<float>(values_[xi]), out = interior<float>(values_[yi]);
                return fn(n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, n.pad_left, n.pad_top, in, out);
            });
            return Status::ok();
        }
        case OpType::kGlobalAveragePool: {
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            add_step(n, op, "global_average_pool_fp32", [=]() mutable {
                Buffer<float> in = interior<float>(values_[xi]), out = interior<float>(values_[yi]);
                return f->global_average_pool_fp32(in, out);
            });
            return Status::ok();
        }
        case OpType::kAdd: {
            const int ai = value_for(n.inputs[0]), bi = value_for(n.inputs[1]), oi = value_for(n.outputs[0]);
            add_step(n, op, "add_fp32", [=]() mutable {
                Value &a = values_[ai], &b = values_[bi], &o = values_[oi];
                if (!a.border && !b.border && !o.border) {
                    Buffer<float> av = matrix<float>(a), bv = matrix<float>(b), ov = matrix<float>(o);
                    return f->add_fp32(av, bv, lo, hi, ov);
                }
                for (int img = 0; img < o.n; img++)  // bordered: one image row at a time
                    for (int r = 0; r < o.h; r++) {
                        Buffer<float> av = row<float>(a, img, r), bv = row<float>(b, img, r), ov = row<float>(o, img, r);
                        const int e = f->add_fp32(av, bv, lo, hi, ov);
                        if (e) return e;
                    }
                return 0;
            });
            return Status::ok();
        }
        case OpType::kSoftmax: {
            const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
            add_step(n, op, "softmax_fp32", [=]() mutable {
                Buffer<float> in = matrix<float>(values_[xi]), out = matrix<float>(values_[yi]);
                return f->softmax_fp32(in, out);
            });
            return Status::ok();
        }
    }
    return {StatusCode::kInternal, "unhandled op"};
}

int Executor::shadow_for(int value, const Node &n) {
    if (!opencl_) return -1;
    for (size_t i = 0; i < values_.size(); i++) {
        const Value &s = values_[i];
        if (s.shadow_of == value && s.border == 0 && s.w == values_[value].w + n.pad_left + n.pad_right &&
            s.h == values_[value].h + n.pad_top + n.pad_bottom && s.shadow_top == n.pad_top && s.shadow_left == n.pad_left)
            return static_cast<int>(i);
    }
    Value s = values_[value];
    s.tensor = -1;
    s.alias_of = -1;
    s.border = 0;
    s.shadow_of = value;
    s.w += n.pad_left + n.pad_right;
    s.h += n.pad_top + n.pad_bottom;
    s.shadow_top = n.pad_top;
    s.shadow_left = n.pad_left;
    s.first = 0;
    s.last = 0;
    values_.push_back(s);
    return static_cast<int>(values_.size()) - 1;
}

void Executor::copy_into_shadow(Value &v, Value &shadow, const Node &n) {
#if defined(MOBIQ_HAVE_OPENCL)
    Value &src = storage_of(v);
    cl_context ctx = nullptr;
    cl_command_queue q = nullptr;
    if (halide_acquire_cl_context(nullptr, &ctx, &q, false) != 0 || q == nullptr) {
        halide_release_cl_context(nullptr);
        return;
    }
    const size_t e = static_cast<size_t>(v.elem) * v.c_alloc;
    const size_t src_origin[3] = {0, 0, 0};
    const size_t dst_origin[3] = {n.pad_left * e, static_cast<size_t>(n.pad_top), 0};
    const size_t region[3] = {v.w * e, static_cast<size_t>(v.h), static_cast<size_t>(v.n)};
    clEnqueueCopyBufferRect(q, reinterpret_cast<cl_mem>(halide_opencl_get_cl_mem(nullptr, src.storage.raw_buffer())),
                            reinterpret_cast<cl_mem>(halide_opencl_get_cl_mem(nullptr, shadow.storage.raw_buffer())),
                            src_origin, dst_origin, region, v.w * e, v.w * e * v.h, shadow.w * e, shadow.w * e * shadow.h,
                            0, nullptr, nullptr);
    halide_release_cl_context(nullptr);
#else
    (void)v;
    (void)shadow;
    (void)n;
#endif
}

Status Executor::allocate() {
    std::vector<Lifetime> life;
    std::vector<int> placed;
    for (size_t i = 0; i < values_.size(); i++) {
        Value &v = values_[i];
        if (v.alias_of >= 0 || v.first < 0) continue;
        life.push_back({v.bytes(), v.first, v.last});
        placed.push_back(static_cast<int>(i));
    }
    const MemoryPlan plan = plan_memory(life, kAlignment);
    unshared_bytes_ = plan.unshared_bytes;
    if (opencl_) return allocate_device();
    arena_storage_.assign(plan.arena_bytes + kAlignment, 0);
    arena_ = reinterpret_cast<uint8_t *>((reinterpret_cast<uintptr_t>(arena_storage_.data()) + kAlignment - 1) /
                                         kAlignment * kAlignment);
    for (size_t j = 0; j < placed.size(); j++) values_[placed[j]].offset = plan.offsets[j];
    arena_bytes_ = plan.arena_bytes;
    return Status::ok();
}

// OpenCL: every value its own device allocation (with a host side for the
// input and output transfers), borders written once here and never again
// (producers write interiors only). No sharing yet: arena_bytes_ is the total.
Status Executor::allocate_device() {
#if defined(MOBIQ_HAVE_OPENCL)
    arena_bytes_ = 0;
    for (auto &v : values_) {
        if (v.alias_of >= 0 || v.first < 0) continue;
        v.storage = Buffer<uint8_t>(static_cast<int>(v.bytes()));
        v.storage.fill(0);
        if (v.shadow_of >= 0 && int8_) {  // the padding value; the interior is copied in each run
            full<int8_t>(v, true).fill(static_cast<int8_t>(qg_.tensors[values_[v.shadow_of].tensor].zero_point));
        }
        v.storage.set_host_dirty();
        if (v.storage.copy_to_device(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "cannot allocate " + std::to_string(v.bytes()) +
                                             " bytes on the OpenCL device: " + take_last_kernel_error()};
        arena_bytes_ += v.bytes();
    }
    return Status::ok();
#else
    return {StatusCode::kUnsupported, "this build has no OpenCL"};
#endif
}

// Values, steps (node i's steps in order; Flatten makes none), lifetimes, arena.
// Steps build their views when they run, so memory is placed after lowering.
Status Executor::prepare(const Graph &g) {
    if (g.inputs.size() != 1 || g.outputs.size() != 1)
        return {StatusCode::kUnsupported, "mobiq runs models with one input and one output"};
    MOBIQ_RETURN_IF_ERROR(find_kernels(cpu_kernel_set(), false, &cpu_kernels_));
    kernels_ = cpu_kernels_;
    if (opt_.device == Device::kOpenCL) {
        opencl_ = true;
#if defined(MOBIQ_HAVE_OPENCL)
        const KernelSet *set = find_kernel_set("opencl_" + opt_.opencl_family);
        if (set == nullptr)
            return {StatusCode::kInvalidArgument, "no OpenCL kernel family '" + opt_.opencl_family +
                                                      "' in this build (built: gpu, mali_g52, mali_g72, mali_g76)"};
        // Mali G52 / G76 kernels use arm_dot where the device has the instruction (docs/mali.md).
        const bool arm_dot = find_kernel_row("gemm_int8", set->family, "arm_dot=true,requantize=true,weight_zero_point=false") &&
                             prepare_opencl_arm_dot() == ArmDotSupport::kNative;
        MOBIQ_RETURN_IF_ERROR(find_kernels(*set, arm_dot, &kernels_));
        Buffer<uint8_t> probe(1);
        if (probe.device_malloc(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "no OpenCL device (" + take_last_kernel_error() +
                                             "): install an OpenCL driver (ICD), e.g. Debian's pocl-opencl-icd, or "
                                             "use --device cpu"};
#else
        return {StatusCode::kUnsupported, "this build has no OpenCL (configure with MOBIQ_GPU_FAMILIES)"};
#endif
    }
    input_shape_ = g.tensors[g.inputs[0]].shape;
    output_shape_ = g.tensors[g.outputs[0]].shape;
    if (input_shape_.size() != 4) return {StatusCode::kUnsupported, "the model input must be 4-D (N, C, H, W)"};
    MOBIQ_RETURN_IF_ERROR(plan_values());
    values_[value_for(g.inputs[0])].first = 0;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        const int step = static_cast<int>(steps_.size());
        MOBIQ_RETURN_IF_ERROR(int8_ ? lower_node_int8(i) : lower_node(n));
        auto hold = [&](int t) {
            Value &v = val(t);
            Value &m = v.alias_of >= 0 ? values_[v.alias_of] : v;
            if (m.first < 0) m.first = step;
            m.last = std::max(m.last, step);
        };
        for (int t : n.outputs) hold(t);
        for (int t : n.inputs)
            if (!g.tensors[t].constant) hold(t);
    }
    {
        Value &out = val(g.outputs[0]);
        Value &m = out.alias_of >= 0 ? values_[out.alias_of] : out;
        m.last = static_cast<int>(steps_.size());  // read back after the last step
    }
    MOBIQ_RETURN_IF_ERROR(allocate());
    // Weights and biases are filled on the host: an OpenCL kernel uploads them on first use.
    for (auto &b : constants_f32_) b.set_host_dirty();
    for (auto &b : constants_i8_) b.set_host_dirty();
    for (auto &b : constants_i32_) b.set_host_dirty();
    input_value_ = value_for(g.inputs[0]);
    output_value_ = value_for(g.outputs[0]);
    for (const auto &s : steps_) infos_.push_back(s.info);
    return Status::ok();
}

Status Executor::find_kernels(const KernelSet &s, bool arm_dot, Kernels *k) {
    bool ok = true;
    auto get = [&](auto *kernel, const char *params) {
        using Op = typename std::remove_pointer_t<decltype(kernel)>::Op;
        *kernel = find_kernel<Op>(s, params);
        ok = ok && bool(*kernel);
    };
    const char *sym = arm_dot ? "arm_dot=true,requantize=true,weight_zero_point=false" : "requantize=true,weight_zero_point=false";
    get(&k->gemm_int8, sym);
    get(&k->gemm_int8_asymw, "requantize=true,weight_zero_point=true");
    get(&k->gemm_fp32, "");
    get(&k->im2col_int8, "element_type=int8");
    get(&k->im2col_fp32, "element_type=float32");
    get(&k->conv2d_int8_implicit, sym);
    get(&k->conv2d_int8_implicit_asymw, "requantize=true,weight_zero_point=true");
    get(&k->conv2d_fp32_implicit, "");
    get(&k->depthwise_conv2d_int8, "");
    get(&k->batch_norm_int8, "kernel_size=1");
    get(&k->depthwise_conv2d_fp32, "");
    get(&k->batch_norm_fp32, "kernel_size=1");
    get(&k->max_pool_int8, "average=false,element_type=int8");
    get(&k->average_pool_int8, "average=true,element_type=int8");
    get(&k->max_pool_fp32, "average=false,element_type=float32");
    get(&k->average_pool_fp32, "average=true,element_type=float32");
    get(&k->global_average_pool_int8, "element_type=int8");
    get(&k->global_average_pool_fp32, "element_type=float32");
    get(&k->add_int8, "");
    get(&k->add_fp32, "");
    get(&k->quantize, "");
    get(&k->dequantize, "");
    get(&k->softmax_fp32, "");
    if (!ok) return {StatusCode::kInternal, "kernel set '" + s.name + "' lacks a kernel the executor needs"};
    return Status::ok();
}

Status Executor::compile(const Graph &graph, const CompileOptions &options) {
    opt_ = options;
    g_ = graph;
    const std::string problem = validate_graph(g_);
    if (!problem.empty()) return {StatusCode::kInvalidModel, problem};
    if (options.fold_batch_norm) fold_batch_norms(&g_);
    fuse_activations(&g_);
    remove_dead_nodes(&g_);
    return prepare(g_);
}

Status Executor::run_steps(const float *input, size_t input_elements, bool profile, const Observer *observe) {
    int64_t want_in = 1;
    for (auto d : input_shape_) want_in *= d;
    if (input == nullptr) return {StatusCode::kInvalidArgument, "run: null input"};
    if (static_cast<int64_t>(input_elements) != want_in)
        return {StatusCode::kInvalidArgument, "run: the input has " + std::to_string(input_elements) +
                                                  " elements, the model wants " + std::to_string(want_in)};
    if (opt_.threads > 0) halide_set_num_threads(opt_.threads);
    using clock = std::chrono::steady_clock;
    Value &v = values_[input_value_];
    // NCHW -> NHWC; INT8 quantizes the NHWC copy with the quantize kernel.
    auto nchw_to_nhwc = [&](Buffer<float> dst) {
        for (int n = 0; n < v.n; n++)
            for (int c = 0; c < v.c; c++)
                for (int y = 0; y < v.h; y++)
                    for (int x = 0; x < v.w; x++) dst(c, x, y, n) = input[((size_t(n) * v.c + c) * v.h + y) * v.w + x];
    };
    // Input and output conversions run on the host (CPU kernels) over the
    // host side of the values; OpenCL then uploads the input once.
    if (!int8_) {
        nchw_to_nhwc(interior<float>(v, true));
    } else {
        staging_.resize(size_t(v.c) * v.w * v.h * v.n);
        halide_dimension_t d[4] = {{0, v.c, 1}, {0, v.w, v.c}, {0, v.h, v.c * v.w}, {0, v.n, v.c * v.w * v.h}};
        nchw_to_nhwc(Buffer<float>(staging_.data(), 4, d));
        const ActivationQuant &q = qg_.tensors[v.tensor];
        for (int n = 0; n < v.n; n++)
            for (int y = 0; y < v.h; y++) {
                halide_dimension_t sd[2] = {{0, v.c, 1}, {0, v.w, v.c}};
                Buffer<float> src(staging_.data() + (size_t(n) * v.h + y) * v.w * v.c, 2, sd);
                Buffer<int8_t> dst = row<int8_t>(v, n, y, true);
                if (cpu_f_->quantize(src, q.inverse_scale(), q.zero_point, dst) != 0)
                    return {StatusCode::kKernel, "quantizing the input failed: " + take_last_kernel_error()};
            }
    }
#if defined(MOBIQ_HAVE_OPENCL)
    if (opencl_) {
        Value &m = storage_of(v);
        m.storage.set_host_dirty();
        if (m.storage.copy_to_device(halide_opencl_device_interface()) != 0)
            return {StatusCode::kDevice, "uploading the input failed: " + take_last_kernel_error()};
    }
#endif
    auto observe_value = [&](int tensor) {
        Value &o = val(tensor);
        Buffer<float> b = interior<float>(o);
        std::vector<float> copy;
        copy.reserve(size_t(o.c) * o.w * o.h * o.n);
        b.for_each_value([&](float x) { copy.push_back(x); });
        (*observe)(tensor, copy);
    };
    if (observe) observe_value(v.tensor);
    for (size_t i = 0; i < steps_.size(); i++) {
        const auto t0 = clock::now();
        const int e = steps_[i].run();
        if (e != 0) {
            const std::string why = take_last_kernel_error();
            return {StatusCode::kKernel, "layer '" + steps_[i].info.name + "' (" + steps_[i].info.variant +
                                             ") failed: " + (why.empty() ? "error " + std::to_string(e) : why)};
        }
        if (profile) {
            if (opencl_) device_finish();  // time the kernels, not their enqueueing
            infos_[i].ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        }
        if (observe)
            for (int t : steps_[i].outputs) observe_value(t);
    }
    return Status::ok();
}

Status Executor::run(const float *input, size_t input_elements, float *output, size_t output_elements,
                       bool profile) {
    int64_t want_out = 1;
    for (auto d : output_shape_) want_out *= d;
    if (output == nullptr) return {StatusCode::kInvalidArgument, "run: null output"};
    if (static_cast<int64_t>(output_elements) != want_out)
        return {StatusCode::kInvalidArgument, "run: the output has room for " + std::to_string(output_elements) +
                                                  " elements, the model produces " + std::to_string(want_out)};
    MOBIQ_RETURN_IF_ERROR(run_steps(input, input_elements, profile, nullptr));
    Value &o = values_[output_value_];
#if defined(MOBIQ_HAVE_OPENCL)
    if (opencl_) {  // the one download (kernels wrote through views: mark the allocation itself)
        Value &m = storage_of(o);
        m.storage.set_device_dirty();
        if (m.storage.copy_to_host() != 0)
            return {StatusCode::kDevice, "downloading the output failed: " + take_last_kernel_error()};
    }
#endif
    Buffer<float> out_nhwc;
    if (!int8_) {
        out_nhwc = interior<float>(o, true);
    } else {
        // Dequantize into NHWC floats, row by row (the value may have a border).
        staging_.resize(size_t(o.c) * o.w * o.h * o.n);
        halide_dimension_t d[4] = {{0, o.c, 1}, {0, o.w, o.c}, {0, o.h, o.c * o.w}, {0, o.n, o.c * o.w * o.h}};
        out_nhwc = Buffer<float>(staging_.data(), 4, d);
        const ActivationQuant &q = qg_.tensors[o.tensor];
        for (int n = 0; n < o.n; n++)
            for (int y = 0; y < o.h; y++) {
                halide_dimension_t rd[2] = {{0, o.c, 1}, {0, o.w, o.c}};
                Buffer<float> dst(staging_.data() + (size_t(n) * o.h + y) * o.w * o.c, 2, rd);
                Buffer<int8_t> src = row<int8_t>(o, n, y, true);
                if (cpu_f_->dequantize(src, q.scale, q.zero_point, dst) != 0)
                    return {StatusCode::kKernel, "dequantizing the output failed: " + take_last_kernel_error()};
            }
    }
    for (int n = 0; n < o.n; n++)
        for (int c = 0; c < o.c; c++)
            for (int y = 0; y < o.h; y++)
                for (int x = 0; x < o.w; x++)
                    output[((size_t(n) * o.c + c) * o.h + y) * o.w + x] = out_nhwc(c, x, y, n);
    if (final_softmax_) {  // INT8 graphs end in FP32: the classifier's softmax on the dequantized logits
        halide_dimension_t d[2] = {{0, o.c, 1}, {0, o.n, o.c}};
        Buffer<float> logits(output, 2, d);
        std::vector<float> probs(static_cast<size_t>(o.c) * o.n);
        Buffer<float> p(probs.data(), 2, d);
        if (cpu_f_->softmax_fp32(logits, p) != 0)
            return {StatusCode::kKernel, "softmax failed: " + take_last_kernel_error()};
        std::copy(probs.begin(), probs.end(), output);
    }
    return Status::ok();
}

void Executor::device_finish() {
#if defined(MOBIQ_HAVE_OPENCL)
    cl_context ctx = nullptr;
    cl_command_queue q = nullptr;
    if (halide_acquire_cl_context(nullptr, &ctx, &q, false) == 0 && q != nullptr) clFinish(q);
    halide_release_cl_context(nullptr);
#endif
}

Status Executor::run_observed(const float *input, size_t input_elements, const Observer &observe) {
    if (opencl_) return {StatusCode::kInternal, "calibration observes CPU sessions only"};
    return run_steps(input, input_elements, false, &observe);
}

}  // namespace mobiq
