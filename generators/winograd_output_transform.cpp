// winograd_output_transform: Y = A^T M A for every tile (generators/winograd.h),
// then the layer's epilogue, into the NHWC output (docs/arithmetic.md,
// "Winograd"). M (c, tx, ty, n, t) holds the Winograd-domain GEMMs' results,
// one (C, tiles) matrix per tap. Outputs past the image (odd sizes) are not
// written.
//
// Domains (generator parameter `domain`):
//   int      F(2x2, 3x3) with U' = G' g G'^T, G' = 2G: A^T M A = 4 * the
//            convolution exactly; it is summed in wrapping 32-bit arithmetic
//            (exact whenever the final value fits, docs/arithmetic.md), shifted
//            right by 2, plus bias (the GEMM's column term: bias - z * sum g),
//            then requantized (gemmlowp or fp32) to int8. With
//            weight_transform=float (winograd-int6w8: U transformed in float,
//            then quantized to int8) A^T M A is the convolution's accumulator
//            itself: no shift, the bias added mod 2^32 as well.
//   float32  fp32: Y + bias, clamped.
//   tapwise  int32 M, each tap's accumulators rescaled in float by scale(c, t),
//            Y + bias in float, then rounded to int8 around the output zero
//            point (the scales and bias are already divided by the output scale).
#include "Halide.h"
#include "int8_output_stage.h"
#include "layouts.h"
#include "schedule_registry.h"
#include "winograd.h"

namespace {

using namespace Halide;

enum class Domain { kInt, kFloat32, kTapwise };
// How the weights the int domain's M was computed with were transformed:
// integer U' = G' g G'^T = 4U (int16, int6w4), or float U quantized per
// output channel (int6w8), whose M carries no factor 4.
enum class WeightTransform { kInteger, kFloat };

class WinogradOutputTransform : public Generator<WinogradOutputTransform> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<int> tile{"tile", 2};
    // One thread per call (CPU): the runtime runs calls on blocks of the problem in parallel.
    GeneratorParam<bool> serial{"serial", false};
    GeneratorParam<Domain> domain{"domain", Domain::kInt,
                                  {{"int", Domain::kInt}, {"float32", Domain::kFloat32}, {"tapwise", Domain::kTapwise}}};
    GeneratorParam<WeightTransform> weight_transform{
        "weight_transform", WeightTransform::kInteger, {{"integer", WeightTransform::kInteger}, {"float", WeightTransform::kFloat}}};
    GeneratorParam<mobiq::Requantization> requantization{"requantization", mobiq::Requantization::kGemmlowp,
                                                         mobiq::requantization_names()};

    void configure() {
        const bool fp = domain == Domain::kFloat32;
        input_ = add_input<Buffer<>>("input", fp ? Float(32) : Int(32), 5);  // M (c, tx, ty, n, t)
        if (domain == Domain::kTapwise) tap_scale_ = add_input<Buffer<float, 2>>("tap_scale");  // (c, t)
        bias_ = add_input<Buffer<>>("bias", domain == Domain::kInt ? Int(32) : Float(32), 1);
        if (domain == Domain::kInt) {
            multiplier_ = add_input<Buffer<int32_t, 1>>("multiplier");
            shift_ = add_input<Buffer<int32_t, 1>>("shift");
        }
        if (fp) {
            fmin_ = add_input<float>("output_min");
            fmax_ = add_input<float>("output_max");
        } else {
            zero_point_ = add_input<int32_t>("output_zero_point");
            imin_ = add_input<int32_t>("output_min");
            imax_ = add_input<int32_t>("output_max");
        }
        output_ = add_output<Buffer<void, 4>>("output", fp ? Float(32) : Int(8));  // (c, x, y, n)
    }

    void generate() {
        const int m = tile;
        _halide_user_assert(m == 2 || m == 4) << "winograd_output_transform: tile must be 2 or 4";
        _halide_user_assert(m == 2 || domain != Domain::kInt) << "winograd_output_transform: int is F(2x2, 3x3) only";
        _halide_user_assert(weight_transform == WeightTransform::kInteger || domain == Domain::kInt)
            << "winograd_output_transform: weight_transform=float is a variant of the int domain";
        const mobiq::WinogradMatrices &W = mobiq::winograd_matrices(m);
        const int alpha = W.alpha;
        mobiq::WinogradOutputStages s;
        s.m = m;
        s.alpha = alpha;
        Var c = s.c, x = s.x, y = s.y, n = s.n, i = s.i, j = s.j, v = s.v, tx = s.tx, ty = s.ty;
        auto &M = *input_;
        const bool integer = domain == Domain::kInt;

        // The work type: uint32 (wrapping, exact mod 2^32) or float.
        // tapwise: every float operation rounded on its own, in this order
        // (strict_float: no fused multiply-add, no reassociation), so that its
        // scalar reference (tests/reference) gets the same bits on every target.
        const bool strict = domain == Domain::kTapwise;
        auto in = [&](Expr t) {
            Expr e = M(c, tx, ty, n, t);
            if (integer) return cast<uint32_t>(e);
            if (strict) return strict_float(cast<float>(e) * (*tap_scale_)(c, t));
            return e;
        };
        // cols(i, v) = sum_u AT[i][u] M(alpha * u + v).
        std::vector<Expr> by_i;
        for (int ii = 0; ii < m; ii++) {
            std::vector<Expr> col;
            for (int uu = 0; uu < alpha; uu++) col.push_back(in(alpha * uu + v));
            by_i.push_back(mobiq::linear_combination(W.AT[ii], col));
        }
        Expr cols_e = by_i.back();
        for (int ii = m - 2; ii >= 0; ii--) cols_e = select(i == ii, by_i[ii], cols_e);
        s.cols(c, i, v, tx, ty, n) = strict ? strict_float(cols_e) : cols_e;
        // tile(i, j) = sum_v AT[j][v] cols(i, v).
        std::vector<Expr> by_j;
        for (int jj = 0; jj < m; jj++) {
            std::vector<Expr> r;
            for (int vv = 0; vv < alpha; vv++) r.push_back(s.cols(c, i, vv, tx, ty, n));
            by_j.push_back(mobiq::linear_combination(W.AT[jj], r));
        }
        Expr tile_e = by_j.back();
        for (int jj = m - 2; jj >= 0; jj--) tile_e = select(j == jj, by_j[jj], tile_e);
        s.tile(c, i, j, tx, ty, n) = strict ? strict_float(tile_e) : tile_e;

        Expr yv = s.tile(c, y % m, x % m, x / m, y / m, n);
        auto &bias = *bias_;
        auto &out = *output_;
        switch (static_cast<Domain>(domain)) {
            case Domain::kInt: {
                // integer: 4 * the convolution, exactly: back to int32, then / 4.
                // float: the accumulator itself; the bias (which holds the zero
                // point's correction) added in uint32 too, so that the whole sum is
                // one ring operation mod 2^32 (docs/arithmetic.md, "int6w8").
                Expr acc = weight_transform == WeightTransform::kFloat
                               ? reinterpret<int32_t>(yv + reinterpret<uint32_t>(bias(c)))
                               : (reinterpret<int32_t>(yv) >> 2) + bias(c);
                out(c, x, y, n) = cast<int8_t>(mobiq::requantize_epilogue_i32(
                    s.channel_requant, c, requantization, get_target(), acc, (*multiplier_)(c), (*shift_)(c),
                    *zero_point_, *imin_, *imax_));
                break;
            }
            case Domain::kFloat32: out(c, x, y, n) = clamp(yv + bias(c), *fmin_, *fmax_); break;
            case Domain::kTapwise: {
                Expr z = *zero_point_;
                Expr f = strict_float(clamp(yv + bias(c), cast<float>(*imin_ - z), cast<float>(*imax_ - z)));
                out(c, x, y, n) = cast<int8_t>(cast<int32_t>(round(f)) + z);
                break;
            }
        }

        add_requirement(M.dim(4).extent() == alpha * alpha, "winograd_output_transform: input must have ",
                        alpha * alpha, " taps");
        // M and the output may start at any tile (a block of tile rows): the tiles must cover the output.
        for (int d = 1; d <= 2; d++)
            add_requirement(M.dim(d).min() * m <= out.dim(d).min() &&
                                (M.dim(d).min() + M.dim(d).extent()) * m >= out.dim(d).min() + out.dim(d).extent(),
                            "winograd_output_transform: the tiles of the input do not cover the output");
        M.dim(0).set_min(0).set_stride(1);
        M.dim(4).set_min(0);
        out.dim(0).set_min(0).set_stride(1);
        M.set_estimates({{0, 64}, {0, 28}, {0, 28}, {0, 1}, {0, alpha * alpha}});
        out.set_estimates({{0, 64}, {0, 56}, {0, 56}, {0, 1}});

        s.output = out;
        s.C = out.dim(0).extent();
        s.serial = serial;
        _halide_user_assert(!serial || !get_target().has_gpu_feature()) << "serial is a CPU variant";
        mobiq::ScheduleRegistry<mobiq::WinogradOutputStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *input_ = nullptr;
    Input<Buffer<float, 2>> *tap_scale_ = nullptr;
    Input<Buffer<>> *bias_ = nullptr;
    Input<Buffer<int32_t, 1>> *multiplier_ = nullptr, *shift_ = nullptr;
    Input<float> *fmin_ = nullptr, *fmax_ = nullptr;
    Input<int32_t> *zero_point_ = nullptr, *imin_ = nullptr, *imax_ = nullptr;
    Output<Buffer<void, 4>> *output_ = nullptr;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(WinogradOutputTransform, winograd_output_transform)
