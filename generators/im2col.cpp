// im2col for NHWC convolutions: lays out each output pixel's receptive field
// as one GEMM row, k = c + C * (kx + KW * ky) (the order of the packed weights).
//
// The input is the NHWC tensor seen as 3-D (C * W, H, N): for a fixed ky, the
// KW input pixels a row needs are C * KW contiguous values, so the kernel is a
// strided copy, vectorized along them, with no division by run-time sizes.
// The output is 5-D (C * KW, KH, OW, OH, N) laid over the GEMM's (K_padded, M)
// buffer by its strides (docs/arithmetic.md, "im2col"): columns K..K_padded are
// not written; the GEMM tolerates any value there.
// Outside the input (padding) the value is `pad_value`: the input zero point
// for int8 (zero in the quantized domain), 0 for float.
#include "Halide.h"
#include "im2col.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

class Im2col : public Generator<Im2col> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<Type> element_type{"element_type", Int(8)};

    Input<int32_t> channels{"channels"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Input<int32_t> pad_x{"pad_x"}, pad_y{"pad_y"};
    Input<int32_t> pad_value{"pad_value"};

    void configure() {
        input_ = add_input<Buffer<>>("input", element_type.value(), 3);
        output_ = add_output<Buffer<>>("output", element_type.value(), 5);
    }

    void generate() {
        mobiq::Im2colStages s;
        auto &in = *input_;
        auto &out = *output_;
        Expr C = channels;
        Expr row_w = in.dim(0).extent();  // C * W
        Expr height = in.dim(1).extent();
        Func bounded = BoundaryConditions::constant_exterior(in, cast(element_type.value(), pad_value), {{0, row_w}, {0, height}});
        Var j = s.j, ky = s.ky, ox = s.ox, oy = s.oy, n = s.n;
        out(j, ky, ox, oy, n) = bounded(j + C * (ox * stride_x - pad_x), oy * stride_y + ky - pad_y, n);

        add_requirement(C > 0 && row_w % C == 0, "im2col: input row (", row_w, ") is not a multiple of channels (", C, ")");
        add_requirement(out.dim(0).extent() % C == 0, "im2col: output row (", out.dim(0).extent(),
                        ") is not a multiple of channels (", C, ")");
        add_requirement(stride_x > 0 && stride_y > 0, "im2col: strides must be positive");
        in.dim(0).set_min(0).set_stride(1);
        in.dim(1).set_min(0);
        in.dim(2).set_min(0);
        for (int d = 0; d < 5; d++) out.dim(d).set_min(0);
        out.dim(0).set_stride(1);

        in.set_estimates({{0, 64 * 56}, {0, 56}, {0, 1}});
        out.set_estimates({{0, 192}, {0, 3}, {0, 56}, {0, 56}, {0, 1}});
        s.output = out;
        s.row_length = out.dim(0).extent();
        s.element_bytes = element_type.value().bytes();
        mobiq::ScheduleRegistry<mobiq::Im2colStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *input_ = nullptr;
    Output<Buffer<>> *output_ = nullptr;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Im2col, im2col)
