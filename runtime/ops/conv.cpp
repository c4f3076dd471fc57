// Convolution (group 1), FP32 and INT8, by the plan's method:
//   gemm         1x1 stride 1: the input is the GEMM's (K, M) operand;
//   im2col_gemm  im2col into the node's scratch (K, M), then one GEMM
//                (mobiq/im2col_gemm.h), one per output row where the output
//                has a border (plan.row_by_row);
//   implicit     the implicit-GEMM int8 / direct fp32 kernel on the padded input.
// INT8 reads every integer from the QuantizedGraph (the reference executor
// reads the same numbers: bit-exact); weights are packed once, in prepare().
#include <cstring>

#include "mobiq/gemm_weights.h"
#include "mobiq/im2col_gemm.h"
#include "mobiq/layer_params.h"
#include "int8_weights.h"
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;

struct PreparedConvFp32 : Prepared {
    Buffer<float> rhs, bias;
    Kernel<kernel_op::gemm_fp32> gemm;
    Kernel<kernel_op::im2col> im2col;
    Kernel<kernel_op::conv2d_fp32_implicit> implicit;
};

struct PreparedConvInt8 : Prepared {
    PreparedGemmInt8 w;
    Kernel<kernel_op::gemm_int8> gemm;
    Kernel<kernel_op::im2col> im2col;
    Kernel<kernel_op::conv2d_int8_implicit> implicit;
};

Im2colGeometry geometry(const Node &n, int channels, const Value &y) {
    return {channels, n.kernel_h, n.kernel_w, n.stride_h, n.stride_w, n.pad_top, n.pad_left, y.w, y.h, y.n};
}

// im2col's operands over the node's scratch (K, M): the GEMM's lhs and the
// same memory as im2col's 5-D output.
template <typename T>
void scratch_operands(Values &vs, int scratch, const Im2colGeometry &g, int k, Buffer<T> *lhs, Buffer<T> *cols) {
    halide_dimension_t ld[2] = {{0, k, 1}, {0, g.m(), k}};
    halide_dimension_t cd[5];
    im2col_output_dims(g, k, cd);
    *lhs = vs.view<T>(vs[scratch], 0, 2, ld);
    *cols = vs.view<T>(vs[scratch], 0, 5, cd);
}

// A GEMM over every output row of a bordered output: gemm(lhs rows, out row).
template <typename T, typename Gemm>
int gemm_row_by_row(Values &vs, Value &y, Buffer<T> &lhs, const Gemm &gemm) {
    for (int img = 0; img < y.n; img++)
        for (int r = 0; r < y.h; r++) {
            Buffer<T> rows = lhs.cropped(1, (img * y.h + r) * y.w, y.w);
            rows.translate(1, -rows.dim(1).min());
            Buffer<T> out = vs.row<T>(y, img, r);
            if (const int e = gemm(rows, out)) return e;
        }
    return 0;
}

class ConvOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (p.method == ConvMethod::kNone)
            return {StatusCode::kInternal, "Conv node '" + n.name + "' has no conv method in its plan"};
        return Operator::validate(c, n, p);
    }

    OpNeeds needs(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (p.method != ConvMethod::kIm2colGemm && !p.row_by_row) return {};
        const Tensor &x = c.g.tensors[n.inputs[0]];
        const Tensor &y = c.g.tensors[n.outputs[0]];
        const int64_t ca = c.int8() ? (x.shape[1] + 3) / 4 * 4 : x.shape[1];
        const int64_t m = y.shape[0] * y.shape[2] * y.shape[3];
        return {static_cast<size_t>(ca * n.kernel_h * n.kernel_w * m), c.int8() ? 1 : 4};
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        return c.int8() ? prepare_int8(c, n, p, out) : prepare_fp32(c, n, p, out);
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        return c.int8() ? emit_int8(c, n, p, *static_cast<PreparedConvInt8 *>(prepared))
                        : emit_fp32(c, n, p, *static_cast<PreparedConvFp32 *>(prepared));
    }

private:
    static std::string with_variant(const char *base, const LayerPlan &p) {
        return p.kernel_variant.empty() ? base : std::string(base) + "," + p.kernel_variant;
    }

    Status prepare_fp32(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const {
        auto k = std::make_unique<PreparedConvFp32>();
        const Tensor &wt = c.g.tensors[n.inputs[1]];
        const int cout = static_cast<int>(wt.shape[0]), K = static_cast<int>(wt.shape[1]) * n.kernel_h * n.kernel_w;
        std::vector<float> packed;
        MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(conv_weights_ohwi(wt).data(), K, cout, &packed));
        k->rhs = Buffer<float>(cout, K);
        std::memcpy(k->rhs.data(), packed.data(), packed.size() * sizeof(float));
        k->bias = Buffer<float>(cout);
        for (int o = 0; o < cout; o++) k->bias(o) = n.inputs.size() > 2 ? c.g.tensors[n.inputs[2]].f32[o] : 0.0f;
        k->rhs.set_host_dirty();
        k->bias.set_host_dirty();
        if (p.method == ConvMethod::kImplicit) {
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, with_variant("", p), &k->implicit));
        } else {
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, with_variant("", p), &k->gemm));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "element_type=float32", &k->im2col));
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status prepare_int8(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const {
        auto k = std::make_unique<PreparedConvInt8>();
        const QuantizedNode &q = c.quantized(n);
        const Value &x = c.values.at_tensor(n.inputs[0]);
        const int cout = c.values.at_tensor(n.outputs[0]).c, taps = n.kernel_h * n.kernel_w;
        MOBIQ_RETURN_IF_ERROR(prepare_gemm_int8(widen_channels(q.weights, q.weight_zero_point, cout, taps, x.c, x.c_alloc),
                                                x.c_alloc * taps, cout, q, &k->w));
        const char *base = q.asymmetric_weights ? "requantize=true,weight_zero_point=true"
                                                : "requantize=true,weight_zero_point=false";
        if (p.method == ConvMethod::kImplicit) {
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, with_variant(base, p), &k->implicit));
        } else {
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, with_variant(base, p), &k->gemm));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "element_type=int8", &k->im2col));
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status emit_fp32(OpContext &c, const Node &n, const LayerPlan &p, PreparedConvFp32 &k) const {
        Values &vs = c.values;
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]), scratch = c.scratch;
        const float lo = n.clamp_min, hi = n.clamp_max;
        PreparedConvFp32 *kp = &k;
        if (p.method == ConvMethod::kImplicit) {
            const int shadow = vs.shadow_for(xi, n);
            c.add_step(k.implicit.row->name, [&vs, kp, n, xi, yi, shadow, lo, hi]() {
                vs.fill_border<float>(vs[xi], 0.0f);
                Buffer<float> in = vs.padded_input<float>(xi, shadow, n, vs[xi].c_alloc);
                Buffer<float> out = vs.interior<float>(vs[yi]);
                return kp->implicit(in, kp->rhs, kp->bias, lo, hi, n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, out);
            });
            return Status::ok();
        }
        if (p.method == ConvMethod::kGemm && !p.row_by_row) {
            c.add_step(k.gemm.row->name, [&vs, kp, xi, yi, lo, hi]() {
                Buffer<float> lhs = vs.matrix<float>(vs[xi]), out = vs.matrix<float>(vs[yi]);
                return kp->gemm(lhs, kp->rhs, kp->bias, lo, hi, out);
            });
            return Status::ok();
        }
        const Im2colGeometry geo = geometry(n, vs[xi].c_alloc, vs[yi]);
        const std::string name = std::string(k.im2col.row->name) + "+" + k.gemm.row->name + (p.row_by_row ? " (row by row)" : "");
        c.add_step(name, [&vs, kp, geo, xi, yi, scratch, lo, hi]() {
            Buffer<float> lhs, cols;
            scratch_operands<float>(vs, scratch, geo, geo.k(), &lhs, &cols);
            Buffer<float> in = vs.image_rows<float>(vs[xi]);
            if (const int e = run_im2col(kp->im2col, geo, 0, in, cols)) return e;
            Value &y = vs[yi];
            if (y.border == 0) {
                Buffer<float> out = vs.matrix<float>(y);
                return kp->gemm(lhs, kp->rhs, kp->bias, lo, hi, out);
            }
            return gemm_row_by_row<float>(vs, y, lhs, [&](Buffer<float> &rows, Buffer<float> &out) {
                return kp->gemm(rows, kp->rhs, kp->bias, lo, hi, out);
            });
        });
        return Status::ok();
    }

    Status emit_int8(OpContext &c, const Node &n, const LayerPlan &p, PreparedConvInt8 &k) const {
        Values &vs = c.values;
        const QuantizedNode &q = c.quantized(n);
        const int xi = c.value(n.inputs[0]), yi = c.value(n.outputs[0]), scratch = c.scratch;
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        PreparedConvInt8 *kp = &k;
        PreparedGemmInt8 *w = &k.w;
        if (p.method == ConvMethod::kImplicit) {
            const int shadow = vs.shadow_for(xi, n);
            c.add_step(k.implicit.row->name, [&vs, kp, w, n, xi, yi, shadow, zx, zo, lo, hi]() {
                vs.fill_border<int8_t>(vs[xi], static_cast<int8_t>(zx));
                Buffer<int8_t> in = vs.padded_input<int8_t>(xi, shadow, n, vs[xi].c_alloc);
                Buffer<int8_t> out = vs.interior<int8_t>(vs[yi]);
                return kp->implicit(in, zx, w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, zo, lo, hi,
                                    n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, out);
            });
            return Status::ok();
        }
        auto gemm = [kp, w, zx, zo, lo, hi](Buffer<int8_t> &lhs, Buffer<int8_t> &out) {
            return kp->gemm(lhs, zx, w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, zo, lo, hi, out);
        };
        if (p.method == ConvMethod::kGemm && !p.row_by_row) {
            c.add_step(k.gemm.row->name, [&vs, gemm, xi, yi]() {
                Buffer<int8_t> lhs = vs.matrix<int8_t>(vs[xi]), out = vs.output_matrix<int8_t>(vs[yi]);
                return gemm(lhs, out);
            });
            return Status::ok();
        }
        // im2col (padding = the input zero point) into the scratch (K, M), then the GEMM.
        const Im2colGeometry geo = geometry(n, vs[xi].c_alloc, vs[yi]);
        const std::string name = std::string(k.im2col.row->name) + "+" + k.gemm.row->name + (p.row_by_row ? " (row by row)" : "");
        c.add_step(name, [&vs, kp, gemm, geo, xi, yi, scratch, zx]() {
            Buffer<int8_t> lhs, cols;
            scratch_operands<int8_t>(vs, scratch, geo, geo.k(), &lhs, &cols);
            Buffer<int8_t> in = vs.image_rows<int8_t>(vs[xi]);
            if (const int e = run_im2col(kp->im2col, geo, zx, in, cols)) return e;
            Value &y = vs[yi];
            if (y.border == 0) {
                Buffer<int8_t> out = vs.output_matrix<int8_t>(y);
                return gemm(lhs, out);
            }
            return gemm_row_by_row<int8_t>(vs, y, lhs, gemm);
        });
        return Status::ok();
    }
};

}  // namespace

const Operator *conv_operator() {
    static const ConvOperator op;
    return &op;
}

}  // namespace mobiq
