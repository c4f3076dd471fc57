// The executor's INT8 lowering (executor.h): every integer comes from
// the QuantizedGraph (mobiq/quantized_graph.h), so the tests' reference
// executor, reading the same numbers, must agree bit for bit.
#include <cstring>

#include "executor.h"
#include "mobiq/gemm_weights.h"

namespace mobiq {
namespace {

// (N, K) weights with K = c_alloc * KH * KW from OHWI (N, KH, KW, C): the
// channels added to reach c_alloc get the column's zero point, so they add
// nothing whatever the activations hold there (docs/arithmetic.md, "Padding K").
std::vector<int8_t> widen_channels(const std::vector<int8_t> &ohwi, const std::vector<int32_t> &zw, int n, int taps,
                                   int c, int c_alloc) {
    std::vector<int8_t> w(size_t(n) * taps * c_alloc);
    for (int o = 0; o < n; o++)
        for (int t = 0; t < taps; t++)
            for (int ch = 0; ch < c_alloc; ch++)
                w[(size_t(o) * taps + t) * c_alloc + ch] =
                    ch < c ? ohwi[(size_t(o) * taps + t) * c + ch] : static_cast<int8_t>(zw[o]);
    return w;
}

}  // namespace

Executor::Int8Weights Executor::pack_int8_weights(const std::vector<int8_t> &w, int k, int n, const QuantizedNode &q) {
    PackedGemmInt8Weights packed;
    (void)pack_gemm_int8_weights(w.data(), k, n, q.weight_zero_point.data(), n, &packed);  // k, n > 0 here
    Buffer<int8_t> &rhs = constant_i8({4, n, packed.k_padded / 4});
    std::memcpy(rhs.data(), packed.data.data(), packed.data.size());
    return {&rhs, &constant_i32(packed.column_sum), &constant_i32(q.weight_zero_point), &constant_i32(q.bias),
            &constant_i32(q.multiplier), &constant_i32(q.shift)};
}

Status Executor::lower_conv_int8(const Node &n, const QuantizedNode &q, const std::string &op) {
    const Value &x = val(n.inputs[0]);
    const Value &y = val(n.outputs[0]);
    const int cout = y.c, cin = x.c, ca = x.c_alloc, kh = n.kernel_h, kw = n.kernel_w;
    const int K = ca * kh * kw;
    const Int8Weights pw = pack_int8_weights(widen_channels(q.weights, q.weight_zero_point, cout, kh * kw, cin, ca), K,
                                             cout, q);
    Buffer<int8_t> &rhs = *pw.rhs;
    Buffer<int32_t> &colsum = *pw.colsum, &zw = *pw.zw, &bias = *pw.bias, &mult = *pw.mult, &shift = *pw.shift;
    const int32_t zx = qg_.tensors[n.inputs[0]].zero_point, zo = qg_.tensors[n.outputs[0]].zero_point;
    const int32_t lo = q.output_min, hi = q.output_max;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    std::string method = conv_method(n);
    if (method == "gemm" && (y.border > 0 || y.c != y.c_alloc) && opt_.conv == ConvAlgorithm::kAuto) method = "direct";
    const bool asym = q.asymmetric_weights;
    const Kernels *f = f_;
    const auto gemm = asym ? f->gemm_int8_asymw : f->gemm_int8;
    if (method == "direct") {
        const auto conv = asym ? f->conv2d_int8_implicit_asymw : f->conv2d_int8_implicit;
        const int shadow = shadow_for(xi, n);
        add_step(n, op, asym ? "conv2d_int8_implicit_asymw" : "conv2d_int8_implicit",
                 [=, &rhs, &colsum, &zw, &bias, &mult, &shift]() mutable {
                     fill_border<int8_t>(values_[xi], static_cast<int8_t>(zx));
                     Buffer<int8_t> in = padded_input<int8_t>(xi, shadow, n, values_[xi].c_alloc);
                     Buffer<int8_t> out = interior<int8_t>(values_[yi]);
                     return conv(in, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, kw, kh, n.stride_w,
                                 n.stride_h, out);
                 });
        return Status::ok();
    }
    const std::string gemm_name = asym ? "gemm_int8_asymw" : "gemm_int8";
    if (method == "gemm" && y.border == 0) {
        add_step(n, op, gemm_name, [=, &rhs, &colsum, &zw, &bias, &mult, &shift]() mutable {
            Buffer<int8_t> lhs = matrix<int8_t>(values_[xi]), out = output_matrix<int8_t>(values_[yi]);
            return gemm(lhs, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, out);
        });
        return Status::ok();
    }
    // im2col (padding = the input zero point) into a per-step scratch (K, M), then one GEMM.
    const int M = y.w * y.h * y.n;
    const int scratch = new_value(-1, {1, static_cast<int64_t>(K) * M}, 1);
    values_[scratch].first = values_[scratch].last = static_cast<int>(steps_.size());
    add_step(n, op, method == "gemm" ? gemm_name + " (row by row)" : "im2col_int8+" + gemm_name,
             [=, &rhs, &colsum, &zw, &bias, &mult, &shift]() mutable {
                 Value &xv = values_[xi], &yv = values_[yi];
                 auto [lhs, cols, in] = im2col_views<int8_t>(scratch, xv, yv, ca, kh, kw, K);
                 int e = f->im2col_int8(ca, n.stride_w, n.stride_h, n.pad_left, n.pad_top, zx, in, cols);
                 if (e) return e;
                 if (yv.border == 0) {
                     Buffer<int8_t> out = output_matrix<int8_t>(yv);
                     return gemm(lhs, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, out);
                 }
                 for (int img = 0; img < yv.n; img++)
                     for (int r = 0; r < yv.h; r++) {
                         Buffer<int8_t> rows = lhs.cropped(1, (img * yv.h + r) * yv.w, yv.w);
                         rows.translate(1, -rows.dim(1).min());
                         Buffer<int8_t> out = row<int8_t>(yv, img, r);
                         e = gemm(rows, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, out);
                         if (e) return e;
                     }
                 return 0;
             });
    return Status::ok();
}

Status Executor::lower_gemm_int8(const Node &n, const QuantizedNode &q, const std::string &op) {
    const Value &x = val(n.inputs[0]);
    const Value &y = val(n.outputs[0]);
    const int N = y.c, K = x.c, ka = x.c_alloc;
    const Int8Weights pw = pack_int8_weights(widen_channels(q.weights, q.weight_zero_point, N, 1, K, ka), ka, N, q);
    Buffer<int8_t> &rhs = *pw.rhs;
    Buffer<int32_t> &colsum = *pw.colsum, &zw = *pw.zw, &bias = *pw.bias, &mult = *pw.mult, &shift = *pw.shift;
    const int32_t zx = qg_.tensors[n.inputs[0]].zero_point, zo = qg_.tensors[n.outputs[0]].zero_point;
    const int32_t lo = q.output_min, hi = q.output_max;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const auto gemm = q.asymmetric_weights ? f_->gemm_int8_asymw : f_->gemm_int8;
    add_step(n, op, q.asymmetric_weights ? "gemm_int8_asymw" : "gemm_int8",
             [=, &rhs, &colsum, &zw, &bias, &mult, &shift]() mutable {
                 Buffer<int8_t> lhs = matrix<int8_t>(values_[xi]), out = output_matrix<int8_t>(values_[yi]);
                 return gemm(lhs, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, out);
             });
    return Status::ok();
}

Status Executor::lower_node_int8(size_t index) {
    const Node &n = g_.nodes[index];
    const QuantizedNode &q = qg_.nodes[index];
    const std::string op = fused_op_name(n);
    const Kernels *f = f_;
    const int xi = value_for(n.inputs[0]), yi = value_for(n.outputs[0]);
    const int32_t zx = qg_.tensors[n.inputs[0]].zero_point, zo = qg_.tensors[n.outputs[0]].zero_point;
    const int32_t lo = q.output_min, hi = q.output_max;
    switch (n.op) {
        case OpType::kConv:
            if (n.group == 1) return lower_conv_int8(n, q, op);
            [[fallthrough]];
        case OpType::kBatchNormalization: {
            // Depthwise 3x3, or BN as a depthwise 1x1: weights (C, KW, KH), channel innermost.
            const int c = val(n.outputs[0]).c, k = n.op == OpType::kConv ? 3 : 1;
            Buffer<int8_t> &w = constant_i8({c, k, k});
            std::memcpy(w.data(), q.weights.data(), q.weights.size());
            Buffer<int32_t> &zw = constant_i32(q.weight_zero_point), &bias = constant_i32(q.bias),
                            &mult = constant_i32(q.multiplier), &shift = constant_i32(q.shift);
            const bool dw = n.op == OpType::kConv;
            const auto fn = dw ? f->depthwise_conv2d_int8 : f->batch_norm_int8;
            const int shadow = dw ? shadow_for(xi, n) : -1;
            add_step(n, op, dw ? "depthwise_conv2d_int8" : "batch_norm_int8",
                     [=, &w, &zw, &bias, &mult, &shift]() mutable {
                         Buffer<int8_t> in;
                         if (dw) {
                             fill_border<int8_t>(values_[xi], static_cast<int8_t>(zx));
                             in = padded_input<int8_t>(xi, shadow, n, values_[xi].c);
                         } else {
                             in = interior<int8_t>(values_[xi]);
                         }
                         Buffer<int8_t> out = interior<int8_t>(values_[yi]);
                         return fn(in, zx, w, zw, bias, mult, shift, zo, lo, hi, n.stride_w, n.stride_h, out);
                     });
            return Status::ok();
        }
        case OpType::kGemm:
            return lower_gemm_int8(n, q, op);
        case OpType::kFlatten:
            return Status::ok();
        case OpType::kMaxPool:
        case OpType::kAveragePool: {
            const auto fn = n.op == OpType::kMaxPool ? f->max_pool_int8 : f->average_pool_int8;
            add_step(n, op, n.op == OpType::kMaxPool ? "max_pool_int8" : "average_pool_int8", [=]() mutable {
                Buffer<int8_t> in = interior<int8_t>(values_[xi]), out = interior<int8_t>(values_[yi]);
                return fn(n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, n.pad_left, n.pad_top, in, out);
            });
            return Status::ok();
        }
        case OpType::kGlobalAveragePool:
            add_step(n, op, "global_average_pool_int8", [=]() mutable {
                Buffer<int8_t> in = interior<int8_t>(values_[xi]), out = interior<int8_t>(values_[yi]);
                return f->global_average_pool_int8(in, out);
            });
            return Status::ok();
        case OpType::kAdd: {
            const int bi = value_for(n.inputs[1]);
            const QuantizedAdd a = q.add;
            add_step(n, op, "add_int8", [=]() mutable {
                Value &av = values_[xi], &bv = values_[bi], &ov = values_[yi];
                auto call = [&](Buffer<int8_t> x, Buffer<int8_t> y, Buffer<int8_t> o) {
                    return f->add_int8(x, a.a_zero_point, a.a_multiplier, a.a_shift, y, a.b_zero_point, a.b_multiplier,
                                       a.b_shift, a.left_shift, a.output_multiplier, a.output_shift, zo, lo, hi, o);
                };
                if (!av.border && !bv.border && !ov.border)
                    return call(matrix<int8_t>(av), matrix<int8_t>(bv), matrix<int8_t>(ov));
                for (int img = 0; img < ov.n; img++)
                    for (int r = 0; r < ov.h; r++) {
                        const int e = call(row<int8_t>(av, img, r), row<int8_t>(bv, img, r), row<int8_t>(ov, img, r));
                        if (e) return e;
                    }
                return 0;
            });
            return Status::ok();
        }
        default:
            return {StatusCode::kUnsupported,
                    std::string(op_name(n.op)) + " node '" + n.name + "' has no INT8 kernel (run it in FP32)"};
    }
}

Status Executor::compile_int8(const QuantizedGraph &qg, const CompileOptions &options) {
    opt_ = options;
    qg_ = qg;
    g_ = qg.graph;
    int8_ = true;
    if (qg.nodes.size() != g_.nodes.size() || qg.tensors.size() != g_.tensors.size())
        return {StatusCode::kInvalidArgument, "the quantized graph's parameters do not match its graph"};
    // A final Softmax (a classifier's probabilities) runs in FP32 on the
    // dequantized logits, after the download.
    if (!g_.nodes.empty() && g_.nodes.back().op == OpType::kSoftmax && g_.outputs.size() == 1 &&
        g_.nodes.back().outputs[0] == g_.outputs[0]) {
        g_.outputs[0] = g_.nodes.back().inputs[0];
        g_.nodes.pop_back();
        qg_.nodes.pop_back();
        final_softmax_ = true;
    }
    return prepare(g_);
}

}  // namespace mobiq
