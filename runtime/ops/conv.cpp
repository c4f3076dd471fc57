// Convolution (group 1), FP32 and INT8, by the plan's method:
//   gemm         1x1 stride 1: the input is the GEMM's (K, M) operand;
//   im2col_gemm  im2col into the node's scratch (K, M), then one GEMM
//                (mobiq/im2col_gemm.h), one per output row where the output
//                (or the fused residual) has a border;
//   implicit     the implicit-GEMM int8 / direct fp32 kernel on the padded input.
// With plan.fused_add, the residual Add (+ ReLU) after it runs in the same
// kernel (the *_add ops, generators/residual_add.h): it reads the Add's other
// input and writes the Add's output. INT8 reads every integer from the
// QuantizedGraph (the reference executor reads the same numbers, unfused:
// bit-exact); weights are packed once, in prepare().
#include <algorithm>
#include <cstring>

#include "HalideRuntime.h"

#include "int8_weights.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/im2col_gemm.h"
#include "mobiq/layer_params.h"
#include "mobiq/thread_pool.h"
#include "operator.h"
#include "parallel_tasks.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;
namespace op = kernel_op;

// The fused residual Add of a conv node: its tensors and, INT8, the ADD's
// parameters with the convolution's own output as one operand ("self").
struct FusedAdd {
    bool on = false;
    int skip = -1, out = -1;  // tensor ids: the Add's other input, its output
    int32_t self_m = 0, self_s = 0, res_z = 0, res_m = 0, res_s = 0, left_shift = 0;
    int32_t add_m = 0, add_s = 0, add_z = 0, add_lo = -128, add_hi = 127;
    float lo = 0, hi = 0;  // FP32: the Add's clamp
};

FusedAdd fused_add_of(const OpContext &c, const Node &n, const LayerPlan &p) {
    FusedAdd f;
    if (p.fused_add < 0) return f;
    const Node &add = c.g.nodes[p.fused_add];
    const bool self_first = add.inputs[0] == n.outputs[0];
    f.on = true;
    f.skip = add.inputs[self_first ? 1 : 0];
    f.out = add.outputs[0];
    f.lo = add.clamp_min;
    f.hi = add.clamp_max;
    if (c.int8()) {
        const QuantizedNode &q = c.quantized(add);
        const QuantizedAdd &a = q.add;
        f.self_m = self_first ? a.a_multiplier : a.b_multiplier;
        f.self_s = self_first ? a.a_shift : a.b_shift;
        f.res_z = self_first ? a.b_zero_point : a.a_zero_point;
        f.res_m = self_first ? a.b_multiplier : a.a_multiplier;
        f.res_s = self_first ? a.b_shift : a.a_shift;
        f.left_shift = a.left_shift;
        f.add_m = a.output_multiplier;
        f.add_s = a.output_shift;
        f.add_z = c.zero_point(f.out);
        f.add_lo = q.output_min;
        f.add_hi = q.output_max;
    }
    return f;
}

struct PreparedConvFp32 : Prepared {
    Buffer<float> rhs, bias;
    // column_panels: the weights as panels of kPanel columns, each (kPanel, K) contiguous.
    LargeVector<float> panels;
    int k = 0;
    FusedAdd fused;
    Kernel<op::gemm_fp32> gemm;
    Kernel<op::gemm_fp32_add> gemm_add;
    Kernel<op::im2col> im2col;
    Kernel<op::conv2d_fp32_implicit> implicit;
    Kernel<op::conv2d_fp32_implicit_add> implicit_add;
};

struct PreparedConvInt8 : Prepared {
    PreparedGemmInt8 w;
    FusedAdd fused;
    Kernel<op::gemm_int8> gemm;
    Kernel<op::gemm_int8_add> gemm_add;
#if defined(MOBIQ_CPU_FAMILY_X86)
    // The plan's kernel variant amx=true (x86 AMX), without and with a fused Add.
    Kernel<op::gemm_int8_amx> gemm_amx;
    Kernel<op::gemm_int8_amx_add> gemm_amx_add;
    // The implicit conv on the AMX tile core (amx=true with the implicit method).
    Kernel<op::conv2d_int8_implicit_amx> implicit_amx;
    Kernel<op::conv2d_int8_implicit_amx_add> implicit_amx_add;
    // The plan's kernel variant u8_weights=true (x86 VNNI, weights + 128 in w.rhs).
    Kernel<op::gemm_int8_u8w> gemm_u8w;
    Kernel<op::gemm_int8_u8w_add> gemm_u8w_add;
#else
    struct NoAmx {
        const KernelRow *row = nullptr;
        explicit operator bool() const { return false; }
        template <typename... A>
        int operator()(A &&...) const { return -1; }
    } gemm_amx, gemm_amx_add, implicit_amx, implicit_amx_add, gemm_u8w, gemm_u8w_add;
#endif
    Kernel<op::im2col> im2col;
    Kernel<op::conv2d_int8_implicit> implicit;
    Kernel<op::conv2d_int8_implicit_add> implicit_add;
    // column_panels: the weights in contiguous panels of kPanel columns
    // (pack_gemm_int8_chunks, k_padded deep; they replace w.rhs), one serial
    // `gemm` call per panel, in parallel (few rows: each call streams its own weights).
    LargeVector<int8_t> panels;
    int k_padded = 0;
};

constexpr int kPanel = 64;

// One FP32 GEMM call per panel of kPanel columns and block of rows, in
// parallel. Rows are split only until there are kTasksPerThread tasks per
// thread (a layer of 64 columns still uses every thread): each further row
// block streams its panel of the weights from memory once more.
constexpr int kTasksPerThread = 4;
int row_blocks_for(int panels, int rows, int min_rows) {
    const int tasks = kTasksPerThread * thread_count();
    return std::max(1, std::min((tasks + panels - 1) / panels, rows / min_rows));
}
struct PanelCall {
    PreparedConvFp32 *k;
    Buffer<float> *lhs, *out, *res;
    float lo, hi, add_lo, add_hi;
    int panels, row_blocks;
    // Where `out` is a dense scratch: the image (C, W, H, N) its rows belong in
    // (a padded value's interior), each task copying the block it computed.
    Buffer<float> *scatter = nullptr;
};

// Indices [i0, i1) of dimension `dim`, starting at 0: rows of a (K or N, M)
// matrix (dim 1), image rows of an NHWC (c, x, y, n) tensor (dim 2).
template <typename T>
Buffer<T> rows_of(Buffer<T> b, int i0, int i1, int dim = 1) {
    b.crop(dim, i0, i1 - i0);
    b.translate(dim, -i0);
    return b;
}

// A panel task's panel and its block of `rows` rows [r0, r1) (FP32 and INT8).
struct PanelBlock {
    int p, r0, r1;
};
PanelBlock panel_block(int task, int panels, int row_blocks, int rows) {
    const int r = task / panels;
    return {task % panels, int(int64_t(rows) * r / row_blocks), int(int64_t(rows) * (r + 1) / row_blocks)};
}

// The FP32 panel block and the panel's weights.
struct PanelSlice {
    int p, r0, r1;
    Buffer<float> rhs;
};
PanelSlice panel_slice(PreparedConvFp32 *k, int task, int panels, int row_blocks, int rows) {
    const PanelBlock b = panel_block(task, panels, row_blocks, rows);
    halide_dimension_t d[2] = {{0, kPanel, 1}, {0, k->k, kPanel}};
    return {b.p, b.r0, b.r1, Buffer<float>(k->panels.data() + size_t(b.p) * kPanel * k->k, 2, d)};
}

Buffer<float> panel_columns(Buffer<float> &b, int p) {
    Buffer<float> v = b.cropped(0, p * kPanel, kPanel);
    v.translate(0, -p * kPanel);
    return v;
}

int panel_task(void *, int task, uint8_t *closure) {
    PanelCall &c = *reinterpret_cast<PanelCall *>(closure);
    auto [p, m0, m1, rhs] = panel_slice(c.k, task, c.panels, c.row_blocks, c.out->dim(1).extent());
    Buffer<float> bias = panel_columns(c.k->bias, p), out = rows_of(panel_columns(*c.out, p), m0, m1);
    Buffer<float> lhs = rows_of(*c.lhs, m0, m1);
    if (c.res == nullptr && c.scatter != nullptr) {
        if (const int e = c.k->gemm(lhs, rhs, bias, c.lo, c.hi, out)) return e;
        // The block while it is still in this core's caches, into the pixels it belongs to.
        Buffer<float> &img = *c.scatter;
        const int w = img.dim(1).extent(), h = img.dim(2).extent();
        for (int m = m0; m < m1; m++)
            std::memcpy(&img(p * kPanel, m % w, m / w % h, m / (w * h)), &out(0, m - m0), kPanel * sizeof(float));
        return 0;
    }
    if (c.res == nullptr) return c.k->gemm(lhs, rhs, bias, c.lo, c.hi, out);
    Buffer<float> res = rows_of(panel_columns(*c.res, p), m0, m1);
    return c.k->gemm_add(lhs, rhs, bias, c.lo, c.hi, res, c.add_lo, c.add_hi, out);
}

// The direct conv in panels: one call per panel of kPanel output channels and
// block of output rows, the padded input cropped to the rows the block reads.
struct ImplicitPanelCall {
    PreparedConvFp32 *k;
    Buffer<float> *in, *out, *res;
    float lo, hi, add_lo, add_hi;
    int kw, kh, sx, sy;
    int panels, row_blocks;
};

int implicit_panel_task(void *, int task, uint8_t *closure) {
    ImplicitPanelCall &c = *reinterpret_cast<ImplicitPanelCall *>(closure);
    auto [p, y0, y1, rhs] = panel_slice(c.k, task, c.panels, c.row_blocks, c.out->dim(2).extent());
    if (y0 == y1) return 0;
    Buffer<float> bias = panel_columns(c.k->bias, p), out = rows_of(panel_columns(*c.out, p), y0, y1, 2);
    Buffer<float> in = rows_of(*c.in, y0 * c.sy, (y1 - 1) * c.sy + c.kh, 2);
    if (c.res == nullptr) return c.k->implicit(in, rhs, bias, c.lo, c.hi, c.kw, c.kh, c.sx, c.sy, out);
    Buffer<float> res = rows_of(panel_columns(*c.res, p), y0, y1, 2);
    return c.k->implicit_add(in, rhs, bias, c.lo, c.hi, c.kw, c.kh, c.sx, c.sy, res, c.add_lo, c.add_hi, out);
}

int run_implicit_panels(PreparedConvFp32 *k, Buffer<float> &in, Buffer<float> &out, Buffer<float> *res, float lo,
                        float hi, float add_lo, float add_hi, const Node &n) {
    const int panels = out.dim(0).extent() / kPanel, OH = out.dim(2).extent();
    const int row_blocks = row_blocks_for(panels, OH, 1);
    ImplicitPanelCall call{k,          &in,        &out,       res,        lo,     hi,        add_lo,
                           add_hi,     n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, panels, row_blocks};
    return halide_do_par_for(nullptr, implicit_panel_task, 0, panels * row_blocks, reinterpret_cast<uint8_t *>(&call));
}

int run_panels(PreparedConvFp32 *k, Buffer<float> &lhs, Buffer<float> &out, Buffer<float> *res, float lo, float hi,
               float add_lo, float add_hi, Buffer<float> *scatter = nullptr) {
    const int panels = out.dim(0).extent() / kPanel, M = out.dim(1).extent();
    // Row blocks of at least 64 rows (the GEMM's register blocks are 6 rows).
    const int row_blocks = row_blocks_for(panels, M, 64);
    PanelCall call{k, &lhs, &out, res, lo, hi, add_lo, add_hi, panels, row_blocks, scatter};
    return halide_do_par_for(nullptr, panel_task, 0, panels * row_blocks, reinterpret_cast<uint8_t *>(&call));
}

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

// The GEMM over the whole output, or over each output row where the output
// or the residual (fused Add) has a border: gemm(lhs rows, out, residual or null).
template <typename T, typename Gemm>
int gemm_into(Values &vs, Value &y, Value *residual, Buffer<T> &lhs, const Gemm &gemm) {
    if (y.border == 0 && (residual == nullptr || residual->border == 0)) {
        Buffer<T> out = vs.output_matrix<T>(y);
        if (residual == nullptr) return gemm(lhs, out, nullptr);
        Buffer<T> res = vs.output_matrix<T>(*residual);
        return gemm(lhs, out, &res);
    }
    for (int img = 0; img < y.n; img++)
        for (int r = 0; r < y.h; r++) {
            Buffer<T> rows = lhs.cropped(1, (img * y.h + r) * y.w, y.w);
            rows.translate(1, -rows.dim(1).min());
            Buffer<T> out = vs.row<T>(y, img, r);
            Buffer<T> res;
            if (residual) res = vs.row<T>(*residual, img, r);
            if (const int e = gemm(rows, out, residual ? &res : nullptr)) return e;
        }
    return 0;
}

// The GEMM into a dense (C_out, M) matrix at `offset` of the scratch, then
// its rows copied into the interior of `y` (whose border its reader pads).
template <typename T, typename Gemm>
int gemm_through_scratch(Values &vs, Value &y, int scratch, size_t offset, Buffer<T> &lhs, const Gemm &gemm) {
    halide_dimension_t d[2] = {{0, y.c, 1}, {0, y.w * y.h * y.n, y.c_alloc}};
    Buffer<T> dense = vs.view<T>(vs[scratch], offset, 2, d);
    if (const int e = gemm(lhs, dense, nullptr)) return e;
    const size_t row = size_t(y.w) * y.c_alloc;
    for (int img = 0; img < y.n; img++)
        for (int r = 0; r < y.h; r++)
            std::memcpy(vs.row<T>(y, img, r).data(), dense.data() + (size_t(img) * y.h + r) * row, row * sizeof(T));
    return 0;
}

// The step's name: its kernels.
std::string step_name(const KernelRow *im2col, const KernelRow *main, bool rows) {
    return (im2col ? std::string(im2col->name) + "+" : std::string()) + main->name + (rows ? " (row by row)" : "");
}

class ConvOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        if (p.method == ConvMethod::kNone)
            return {StatusCode::kInternal, "Conv node '" + n.name + "' has no conv method in its plan"};
        return Operator::validate(c, n, p);
    }

    OpNeeds needs(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        const Tensor &x = c.g.tensors[n.inputs[0]];
        const Tensor &y = c.g.tensors[n.outputs[0]];
        const int64_t ca = c.int8() ? (x.shape[1] + 3) / 4 * 4 : x.shape[1];
        const int64_t m = y.shape[0] * y.shape[2] * y.shape[3];
        const int64_t cols = p.method == ConvMethod::kIm2colGemm || p.row_by_row ? ca * n.kernel_h * n.kernel_w * m : 0;
        // dense_scratch_output (INT8 AMX; FP32 pointwise GEMMs): the GEMM's dense output after the im2col columns.
        const int64_t dense = p.dense_scratch_output ? (y.shape[1] + 3) / 4 * 4 * m : 0;
        if (cols + dense == 0) return {};
        return {static_cast<size_t>(cols + dense), c.int8() ? 1 : 4};
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        return c.int8() ? prepare_int8(c, n, p, out) : prepare_fp32(c, n, p, out);
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        return c.int8() ? emit_int8(c, n, p, *static_cast<PreparedConvInt8 *>(prepared))
                        : emit_fp32(c, n, p, *static_cast<PreparedConvFp32 *>(prepared));
    }

private:
    static std::string with(const std::string &base, const std::string &more) {
        return more.empty() ? base : base.empty() ? more : base + "," + more;
    }

    // The main kernel of the plan's method (the fused op with a fused Add), and
    // im2col. A GEMM-only variant (u8_weights) passes no implicit kernels.
    template <typename Gemm, typename GemmAdd, typename Implicit, typename ImplicitAdd>
    static Status find_kernels(const OpContext &c, const Node &n, const LayerPlan &p, const std::string &base,
                               const char *im2col_params, bool fused, Kernel<Gemm> *gemm, Kernel<GemmAdd> *gemm_add,
                               Kernel<Implicit> *implicit, Kernel<ImplicitAdd> *implicit_add, Kernel<op::im2col> *im2col) {
        const std::string params = with(base, p.kernel_variant);
        const std::string fused_params = with(params, "residual_add=true");
        if (p.method == ConvMethod::kImplicit) {
            if (implicit == nullptr)
                return {StatusCode::kInternal, "layer '" + n.name + "': variant '" + p.kernel_variant +
                                                   "' has GEMM kernels only, not the implicit conv"};
            return fused ? c.kernel(n, fused_params, implicit_add) : c.kernel(n, params, implicit);
        }
        MOBIQ_RETURN_IF_ERROR(fused ? c.kernel(n, fused_params, gemm_add) : c.kernel(n, params, gemm));
        return c.kernel(n, im2col_params, im2col);
    }

    Status prepare_fp32(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const {
        auto k = std::make_unique<PreparedConvFp32>();
        const Tensor &wt = c.g.tensors[n.inputs[1]];
        const int cout = static_cast<int>(wt.shape[0]), K = static_cast<int>(wt.shape[1]) * n.kernel_h * n.kernel_w;
        std::vector<float> packed;
        MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(conv_weights_ohwi(wt).data(), K, cout, &packed));
        k->rhs = large_buffer<float>({cout, K});
        std::memcpy(k->rhs.data(), packed.data(), packed.size() * sizeof(float));
        k->bias = Buffer<float>(cout);
        for (int o = 0; o < cout; o++) k->bias(o) = n.inputs.size() > 2 ? c.g.tensors[n.inputs[2]].f32[o] : 0.0f;
        k->rhs.set_host_dirty();
        k->bias.set_host_dirty();
        if (p.column_panels) {  // (N, K), N innermost -> panels of (kPanel, K)
            k->k = K;
            MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_column_blocks(packed.data(), K, cout, kPanel, &k->panels));
            k->rhs = Buffer<float>();
        }
        k->fused = fused_add_of(c, n, p);
        MOBIQ_RETURN_IF_ERROR(find_kernels(c, n, p, "", "element_type=float32", k->fused.on, &k->gemm, &k->gemm_add,
                                           &k->implicit, &k->implicit_add, &k->im2col));
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
        k->fused = fused_add_of(c, n, p);
        const char *base = q.asymmetric_weights ? "requantize=true,weight_zero_point=true"
                                                : "requantize=true,weight_zero_point=false";
        const bool amx = p.kernel_variant.find("amx=true") != std::string::npos,
                   u8w = p.kernel_variant.find("u8_weights=true") != std::string::npos;
        if (amx || u8w) {
#if defined(MOBIQ_CPU_FAMILY_X86)
            if (amx) {
                MOBIQ_RETURN_IF_ERROR(find_kernels(c, n, p, base, "element_type=int8", k->fused.on, &k->gemm_amx,
                                                   &k->gemm_amx_add, &k->implicit_amx, &k->implicit_amx_add,
                                                   &k->im2col));
                if (p.kernel_variant.find("amx_kernel_rows=true") != std::string::npos)
                    MOBIQ_RETURN_IF_ERROR(to_amx_kernel_rows(&k->w, x.c_alloc, n.kernel_w, n.kernel_h));
                else if (p.kernel_variant.find("amx_tiles=true") != std::string::npos)
                    MOBIQ_RETURN_IF_ERROR(to_amx_tiles(&k->w));
            } else {
                MOBIQ_RETURN_IF_ERROR(find_kernels(c, n, p, base, "element_type=int8", k->fused.on, &k->gemm_u8w,
                                                   &k->gemm_u8w_add, static_cast<Kernel<op::conv2d_int8_implicit> *>(nullptr),
                                                   static_cast<Kernel<op::conv2d_int8_implicit_add> *>(nullptr),
                                                   &k->im2col));
                flip_gemm_int8_weights_to_u8(k->w.rhs.data(), k->w.rhs.number_of_elements());
            }
#else
            return {StatusCode::kInternal, "layer '" + n.name + "': variant '" + p.kernel_variant +
                                               "' has kernels on x86 builds only"};
#endif
        } else {
            if (p.kernel_variant.find("weights7=true") != std::string::npos)
                MOBIQ_RETURN_IF_ERROR(check_weights7_range(q.weights, n.name));
            MOBIQ_RETURN_IF_ERROR(find_kernels(c, n, p, base, "element_type=int8", k->fused.on, &k->gemm,
                                               &k->gemm_add, &k->implicit, &k->implicit_add, &k->im2col));
        }
        if (p.column_panels) {
            if (p.method == ConvMethod::kImplicit && k->fused.on)
                return {StatusCode::kInternal, "layer '" + n.name + "': INT8 direct conv panels take no fused Add"};
            k->k_padded = 4 * k->w.rhs.dim(2).extent();
            MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_chunks(k->w.rhs.data(), k->k_padded, cout, kPanel, &k->panels));
            k->w.rhs = Buffer<int8_t>();
        }
        *out = std::move(k);
        return Status::ok();
    }

    Status emit_fp32(OpContext &c, const Node &n, const LayerPlan &p, PreparedConvFp32 &k) const {
        Values &vs = c.values;
        const FusedAdd &f = k.fused;
        const int xi = c.value(n.inputs[0]), yi = c.value(f.on ? f.out : n.outputs[0]), scratch = c.scratch;
        const int ri = f.on ? c.value(f.skip) : -1;
        const float lo = n.clamp_min, hi = n.clamp_max;
        PreparedConvFp32 *kp = &k;
        if (p.method == ConvMethod::kImplicit) {
            const int shadow = vs.shadow_for(xi, n);
            c.add_step((f.on ? k.implicit_add.row : k.implicit.row)->name, [&vs, kp, n, xi, yi, ri, shadow, lo, hi]() {
                vs.fill_border<float>(vs[xi], 0.0f);
                Buffer<float> in = vs.padded_input<float>(xi, shadow, n, vs[xi].c_alloc);
                Buffer<float> out = vs.interior<float>(vs[yi]);
                if (!kp->panels.empty()) {
                    Buffer<float> res = ri < 0 ? Buffer<float>() : vs.interior<float>(vs[ri]);
                    return run_implicit_panels(kp, in, out, ri < 0 ? nullptr : &res, lo, hi, kp->fused.lo,
                                               kp->fused.hi, n);
                }
                if (ri < 0)
                    return kp->implicit(in, kp->rhs, kp->bias, lo, hi, n.kernel_w, n.kernel_h, n.stride_w, n.stride_h,
                                        out);
                Buffer<float> res = vs.interior<float>(vs[ri]);
                return kp->implicit_add(in, kp->rhs, kp->bias, lo, hi, n.kernel_w, n.kernel_h, n.stride_w, n.stride_h,
                                        res, kp->fused.lo, kp->fused.hi, out);
            });
            return Status::ok();
        }
        auto gemm = [kp, lo, hi](Buffer<float> &lhs, Buffer<float> &out, Buffer<float> *res) {
            if (!kp->panels.empty()) return run_panels(kp, lhs, out, res, lo, hi, kp->fused.lo, kp->fused.hi);
            if (res == nullptr) return kp->gemm(lhs, kp->rhs, kp->bias, lo, hi, out);
            return kp->gemm_add(lhs, kp->rhs, kp->bias, lo, hi, *res, kp->fused.lo, kp->fused.hi, out);
        };
        const KernelRow *main = (f.on ? k.gemm_add.row : k.gemm.row);
        if (p.dense_scratch_output && p.method == ConvMethod::kGemm && !f.on) {
            c.add_step(std::string(main->name) + " (dense scratch, copied)", [&vs, kp, gemm, xi, yi, scratch, lo, hi]() {
                Buffer<float> lhs = vs.matrix<float>(vs[xi]);
                if (kp->panels.empty()) return gemm_through_scratch<float>(vs, vs[yi], scratch, 0, lhs, gemm);
                // Panels: each task copies its own block (in parallel, from its own caches).
                Value &y = vs[yi];
                halide_dimension_t d[2] = {{0, y.c, 1}, {0, y.w * y.h * y.n, y.c_alloc}};
                Buffer<float> dense = vs.view<float>(vs[scratch], 0, 2, d), image = vs.interior<float>(y);
                return run_panels(kp, lhs, dense, nullptr, lo, hi, 0.0f, 0.0f, &image);
            });
            return Status::ok();
        }
        if (p.method == ConvMethod::kGemm && !p.row_by_row) {
            c.add_step(main->name, [&vs, gemm, xi, yi, ri]() {
                Buffer<float> lhs = vs.matrix<float>(vs[xi]);
                return gemm_into<float>(vs, vs[yi], ri < 0 ? nullptr : &vs[ri], lhs, gemm);
            });
            return Status::ok();
        }
        const Im2colGeometry geo = geometry(n, vs[xi].c_alloc, vs[yi]);
        c.add_step(step_name(k.im2col.row, main, p.row_by_row), [&vs, kp, gemm, geo, xi, yi, ri, scratch]() {
            Buffer<float> lhs, cols;
            scratch_operands<float>(vs, scratch, geo, geo.k(), &lhs, &cols);
            Buffer<float> in = vs.image_rows<float>(vs[xi]);
            if (const int e = run_im2col(kp->im2col, geo, 0, in, cols)) return e;
            return gemm_into<float>(vs, vs[yi], ri < 0 ? nullptr : &vs[ri], lhs, gemm);
        });
        return Status::ok();
    }

    Status emit_int8(OpContext &c, const Node &n, const LayerPlan &p, PreparedConvInt8 &k) const {
        Values &vs = c.values;
        const QuantizedNode &q = c.quantized(n);
        const FusedAdd &f = k.fused;
        const int xi = c.value(n.inputs[0]), yi = c.value(f.on ? f.out : n.outputs[0]), scratch = c.scratch;
        const int ri = f.on ? c.value(f.skip) : -1;
        const int32_t zx = c.zero_point(n.inputs[0]), zo = c.zero_point(n.outputs[0]);
        const int32_t lo = q.output_min, hi = q.output_max;
        PreparedConvInt8 *kp = &k;
        PreparedGemmInt8 *w = &k.w;
        if (p.method == ConvMethod::kImplicit) {
            const int shadow = vs.shadow_for(xi, n);
            // The AMX and the VNNI / NEON kernels take the same arguments (the rhs in its own packing).
            const KernelRow *row = k.implicit_amx       ? k.implicit_amx.row
                                   : k.implicit_amx_add ? k.implicit_amx_add.row
                                   : f.on               ? k.implicit_add.row
                                                        : k.implicit.row;
            if (!k.panels.empty()) {
                c.add_step(std::string(row->name) + " (64-channel panels x row blocks)",
                           [&vs, kp, w, n, xi, yi, shadow, zx, zo, lo, hi]() {
                    vs.fill_border<int8_t>(vs[xi], static_cast<int8_t>(zx));
                    Buffer<int8_t> in = vs.padded_input<int8_t>(xi, shadow, n, vs[xi].c_alloc);
                    Buffer<int8_t> out = vs.interior<int8_t>(vs[yi]);
                    const int panels = out.dim(0).extent() / kPanel, OH = out.dim(2).extent();
                    const int row_blocks = row_blocks_for(panels, OH, 1);
                    // Each call: one panel's weights (in L2 across its rows), the input rows its block reads.
                    auto task = [&](int t) {
                        const auto [p, y0, y1] = panel_block(t, panels, row_blocks, OH);
                        if (y0 == y1) return 0;
                        Int8ColumnChunk c = int8_column_chunk(*w, kp->panels.data(), kp->k_padded, panels * kPanel, kPanel, p);
                        Buffer<int8_t> o = rows_of(matrix_columns(out, p * kPanel, kPanel), y0, y1, 2);
                        Buffer<int8_t> i = rows_of(in, y0 * n.stride_h, (y1 - 1) * n.stride_h + n.kernel_h, 2);
                        return kp->implicit(i, zx, c.rhs, c.colsum, c.zw, c.bias, c.mult, c.shift, zo, lo, hi,
                                            n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, o);
                    };
                    return parallel_tasks(panels * row_blocks, task);
                });
                return Status::ok();
            }
            c.add_step(row->name, [&vs, kp, w, n, xi, yi, ri, shadow, zx, zo, lo, hi]() {
                vs.fill_border<int8_t>(vs[xi], static_cast<int8_t>(zx));
                Buffer<int8_t> in = vs.padded_input<int8_t>(xi, shadow, n, vs[xi].c_alloc);
                Buffer<int8_t> out = vs.interior<int8_t>(vs[yi]);
                if (ri < 0) {
                    auto conv = [&](const auto &kernel) {
                        return kernel(in, zx, w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, zo, lo, hi,
                                      n.kernel_w, n.kernel_h, n.stride_w, n.stride_h, out);
                    };
                    return kp->implicit_amx ? conv(kp->implicit_amx) : conv(kp->implicit);
                }
                const FusedAdd &a = kp->fused;
                Buffer<int8_t> res = vs.interior<int8_t>(vs[ri]);
                auto conv_add = [&](const auto &kernel) {
                    return kernel(in, zx, w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, zo, lo, hi, n.kernel_w,
                                  n.kernel_h, n.stride_w, n.stride_h, res, a.self_m, a.self_s, a.res_z, a.res_m,
                                  a.res_s, a.left_shift, a.add_m, a.add_s, a.add_z, a.add_lo, a.add_hi, out);
                };
                return kp->implicit_amx_add ? conv_add(kp->implicit_amx_add) : conv_add(kp->implicit_add);
            });
            return Status::ok();
        }
        // The plan's GEMM kernel (VNNI / NEON, AMX or u8_weights: the same
        // arguments, the rhs in its own packing) on one set of weights.
        auto gemm = [kp, w, zx, zo, lo, hi](Buffer<int8_t> &lhs, Buffer<int8_t> &out, Buffer<int8_t> *res) {
            const FusedAdd &a = kp->fused;
            auto call = [&](Buffer<int8_t> &rhs, Buffer<int32_t> &colsum, Buffer<int32_t> &zw, Buffer<int32_t> &bias,
                            Buffer<int32_t> &mult, Buffer<int32_t> &shift, Buffer<int8_t> *r, Buffer<int8_t> &o) {
                auto plain = [&](const auto &kernel) {
                    return kernel(lhs, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, o);
                };
                auto with_add = [&](const auto &kernel) {
                    return kernel(lhs, zx, rhs, colsum, zw, bias, mult, shift, zo, lo, hi, *r, a.self_m, a.self_s,
                                  a.res_z, a.res_m, a.res_s, a.left_shift, a.add_m, a.add_s, a.add_z, a.add_lo,
                                  a.add_hi, o);
                };
                if (r == nullptr)
                    return kp->gemm_u8w ? plain(kp->gemm_u8w) : kp->gemm_amx ? plain(kp->gemm_amx) : plain(kp->gemm);
                return kp->gemm_u8w_add  ? with_add(kp->gemm_u8w_add)
                       : kp->gemm_amx_add ? with_add(kp->gemm_amx_add)
                                          : with_add(kp->gemm_add);
            };
            if (!kp->panels.empty()) {
                auto panel = [&](int p) {
                    Int8ColumnChunk c = int8_column_chunk(*w, kp->panels.data(), kp->k_padded, out.dim(0).extent(), kPanel, p);
                    Buffer<int8_t> o = matrix_columns(out, p * kPanel, kPanel);
                    if (res == nullptr) return call(c.rhs, c.colsum, c.zw, c.bias, c.mult, c.shift, nullptr, o);
                    Buffer<int8_t> r = matrix_columns(*res, p * kPanel, kPanel);
                    return call(c.rhs, c.colsum, c.zw, c.bias, c.mult, c.shift, &r, o);
                };
                return parallel_tasks(out.dim(0).extent() / kPanel, panel);
            }
            return call(w->rhs, w->colsum, w->zw, w->bias, w->mult, w->shift, res, out);
        };
        const KernelRow *main = k.gemm_u8w       ? k.gemm_u8w.row
                                : k.gemm_u8w_add ? k.gemm_u8w_add.row
                                : k.gemm_amx     ? k.gemm_amx.row
                                : k.gemm_amx_add ? k.gemm_amx_add.row
                                : f.on           ? k.gemm_add.row
                                                 : k.gemm.row;
        if (p.dense_scratch_output) {
            const bool cols = p.method == ConvMethod::kIm2colGemm;
            const Im2colGeometry geo = geometry(n, vs[xi].c_alloc, vs[yi]);
            c.add_step(step_name(cols ? k.im2col.row : nullptr, main, false) + " (dense scratch, copied)",
                       [&vs, kp, gemm, geo, cols, xi, yi, scratch, zx]() {
                Buffer<int8_t> lhs, cbuf;
                size_t offset = 0;
                if (cols) {
                    scratch_operands<int8_t>(vs, scratch, geo, geo.k(), &lhs, &cbuf);
                    Buffer<int8_t> in = vs.image_rows<int8_t>(vs[xi]);
                    if (const int e = run_im2col(kp->im2col, geo, zx, in, cbuf)) return e;
                    offset = size_t(geo.k()) * geo.m();
                } else {
                    lhs = vs.matrix<int8_t>(vs[xi]);
                }
                return gemm_through_scratch<int8_t>(vs, vs[yi], scratch, offset, lhs, gemm);
            });
            return Status::ok();
        }
        if (p.method == ConvMethod::kGemm && !p.row_by_row) {
            c.add_step(main->name, [&vs, gemm, xi, yi, ri]() {
                Buffer<int8_t> lhs = vs.matrix<int8_t>(vs[xi]);
                return gemm_into<int8_t>(vs, vs[yi], ri < 0 ? nullptr : &vs[ri], lhs, gemm);
            });
            return Status::ok();
        }
        // im2col (padding = the input zero point) into the scratch (K, M), then the GEMM.
        const Im2colGeometry geo = geometry(n, vs[xi].c_alloc, vs[yi]);
        c.add_step(step_name(k.im2col.row, main, p.row_by_row), [&vs, kp, gemm, geo, xi, yi, ri, scratch, zx]() {
            Buffer<int8_t> lhs, cols;
            scratch_operands<int8_t>(vs, scratch, geo, geo.k(), &lhs, &cols);
            Buffer<int8_t> in = vs.image_rows<int8_t>(vs[xi]);
            if (const int e = run_im2col(kp->im2col, geo, zx, in, cols)) return e;
            return gemm_into<int8_t>(vs, vs[yi], ri < 0 ? nullptr : &vs[ri], lhs, gemm);
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
