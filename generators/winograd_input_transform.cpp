// winograd_input_transform: V = B^T d B for every alpha x alpha input tile d
// (tiles m apart, generators/winograd.h), one (C, tiles) matrix per tap t: the
// left operands of the Winograd-domain GEMMs (docs/arithmetic.md, "Winograd").
//
// The input (c, x, y, n) is the layer's unpadded input: tile (tx, ty) reads
// x = m * tx + j - 1, y = m * ty + i - 1 for i, j < alpha, and outside the
// image (the padding of 1, and the last tiles of an odd size) the input zero
// point. The boundary is Halide's constant_exterior, whose `likely` lets the
// loop partitioner run the inner tiles without a check; the producer of the
// input writes it dense (no border for this reader).
//
// Domains (generator parameter `domain`):
//   int8     int6w4: B^T d B of the raw int8 values, saturated to int8; exact
//            when |d| fits INT6 (the plan quantizes such inputs to [-32, 31]);
//            the zero point is the GEMM's column term, not subtracted here.
//   int16    B^T (d - z) B in int16 (|V| <= 4 * 255): exact for any int8 input.
//   float32  fp32 in and out.
//   tapwise  int8 out: round(B^T (d - z) B * scale(t)) clamped to [-127, 127],
//            the per-tap scale from calibration (lossy, docs/arithmetic.md).
#include "Halide.h"
#include "layouts.h"
#include "schedule_registry.h"
#include "winograd.h"

namespace {

using namespace Halide;

enum class Domain { kInt8, kInt16, kFloat32, kTapwise };

class WinogradInputTransform : public Generator<WinogradInputTransform> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<int> tile{"tile", 2};  // m: F(m x m, 3 x 3)
    // One thread per call (CPU): the runtime runs calls on blocks of the problem in parallel.
    GeneratorParam<bool> serial{"serial", false};
    GeneratorParam<Domain> domain{"domain", Domain::kInt16,
                                  {{"int8", Domain::kInt8}, {"int16", Domain::kInt16},
                                   {"float32", Domain::kFloat32}, {"tapwise", Domain::kTapwise}}};

    void configure() {
        const bool fp = domain == Domain::kFloat32;
        input_ = add_input<Buffer<>>("input", fp ? Float(32) : Int(8), 4);  // (c, x, y, n), padded
        zero_point_ = add_input<int32_t>("input_zero_point");  // ignored by float32
        if (domain == Domain::kTapwise) scale_ = add_input<Buffer<float, 1>>("tap_scale");  // (t)
        const Type out = fp ? Float(32) : domain == Domain::kInt16 ? Int(16) : Int(8);
        output_ = add_output<Buffer<void, 5>>("output", out);  // (c, tx, ty, n, t)
    }

    void generate() {
        const int m = tile;
        _halide_user_assert(m == 2 || m == 4) << "winograd_input_transform: tile must be 2 or 4";
        _halide_user_assert(m == 2 || domain == Domain::kFloat32 || domain == Domain::kTapwise)
            << "winograd_input_transform: the exact integer domains are F(2x2, 3x3) only";
        const mobiq::WinogradMatrices &W = mobiq::winograd_matrices(m);
        const int alpha = W.alpha;
        mobiq::WinogradInputStages s;
        s.alpha = alpha;
        Var c = s.c, tx = s.tx, ty = s.ty, n = s.n, t = s.t, u = s.u, j = s.j;
        auto &in = *input_;
        Expr z = *zero_point_;

        // The arithmetic type: int16 for F(2,3) (|B^T d B| <= 4 * 255), int32
        // for tapwise F(4,3) (entries up to 10 * 10 * 255), float for float32.
        const Type work = domain == Domain::kFloat32                  ? Float(32)
                          : (domain == Domain::kTapwise && m == 4) ? Int(32)
                                                                      : Int(16);
        const bool fp = domain == Domain::kFloat32;
        Func bounded = BoundaryConditions::constant_exterior(
            in, fp ? Expr(0.0f) : cast<int8_t>(z), {{Expr(), Expr()}, {0, in.dim(1).extent()}, {0, in.dim(2).extent()},
                                                     {Expr(), Expr()}});
        auto d = [&](int i, Expr col) {
            Expr v = cast(work, bounded(c, m * tx + col - 1, m * ty + i - 1, n));
            if (domain == Domain::kInt16 || domain == Domain::kTapwise) v -= cast(work, z);
            return v;
        };
        // rows(u, j) = sum_i BT[u][i] d(i, j): one row of B^T d per u.
        std::vector<Expr> by_u;
        for (int uu = 0; uu < alpha; uu++) {
            std::vector<Expr> col;
            for (int i = 0; i < alpha; i++) col.push_back(d(i, j));
            by_u.push_back(mobiq::linear_combination(W.BT[uu], col));
        }
        Expr rows_e = by_u.back();
        for (int uu = alpha - 2; uu >= 0; uu--) rows_e = select(u == uu, by_u[uu], rows_e);
        s.rows(c, u, j, tx, ty, n) = rows_e;

        // V(t = alpha * u + v) = sum_j BT[v][j] rows(u, j).
        Expr v_e;
        for (int tt = alpha * alpha - 1; tt >= 0; tt--) {
            std::vector<Expr> r;
            for (int jj = 0; jj < alpha; jj++) r.push_back(s.rows(c, tt / alpha, jj, tx, ty, n));
            Expr e = mobiq::linear_combination(W.BT[tt % alpha], r);
            v_e = v_e.defined() ? select(t == tt, e, v_e) : e;
        }
        auto &out = *output_;
        switch (static_cast<Domain>(domain)) {
            case Domain::kInt8: out(c, tx, ty, n, t) = saturating_cast<int8_t>(v_e); break;
            case Domain::kInt16:
            case Domain::kFloat32: out(c, tx, ty, n, t) = v_e; break;
            case Domain::kTapwise:
                out(c, tx, ty, n, t) =
                    cast<int8_t>(clamp(round(cast<float>(v_e) * (*scale_)(t)), -127.0f, 127.0f));
                break;
        }

        add_requirement(out.dim(4).extent() == alpha * alpha, "winograd_input_transform: output must have ",
                        alpha * alpha, " taps");
        mobiq::require_dense_from_zero(in, 4);
        // V may start at any tile (tx, ty, n): the runtime computes blocks of tile rows.
        out.dim(0).set_min(0).set_stride(1);
        out.dim(4).set_min(0);
        in.set_estimates({{0, 64}, {0, 56}, {0, 56}, {0, 1}});
        out.set_estimates({{0, 64}, {0, 28}, {0, 28}, {0, 1}, {0, alpha * alpha}});
        if (scale_) scale_->set_estimates({{0, alpha * alpha}});

        s.output = out;
        s.C = out.dim(0).extent();
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::WinogradInputStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *input_ = nullptr;
    Input<int32_t> *zero_point_ = nullptr;
    Input<Buffer<float, 1>> *scale_ = nullptr;
    Output<Buffer<void, 5>> *output_ = nullptr;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(WinogradInputTransform, winograd_input_transform)
