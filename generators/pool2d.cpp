// pool2d: max or average pooling over kernel_w x kernel_h windows, NHWC,
// int8 or float, run-time window, stride and padding; and global_average_pool
// (the window is the whole image; output (C, 1, 1, N)).
//
// Padding is never read: a max ignores taps outside the image (as if padded
// with -inf) and an average divides by the taps inside (ONNX's default
// count_include_pad = 0). int8 averages keep the input's scale and zero point
// and round half away from zero, as TFLite (docs/arithmetic.md, "Pooling").
#include "Halide.h"
#include "layouts.h"
#include "pool2d.h"
#include "schedule_registry.h"

namespace {

using namespace Halide;

// Rounded integer division of an int32 sum by a positive count, ties away from zero.
Expr rounded_average(const Expr &sum, const Expr &count) {
    Expr half = count / 2;
    return select(sum >= 0, (sum + half) / count, -((half - sum) / count));
}

class Pool2d : public Generator<Pool2d> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<Type> element_type{"element_type", Int(8)};
    GeneratorParam<bool> average{"average", false};

    Input<int32_t> kernel_w{"kernel_w"}, kernel_h{"kernel_h"};
    Input<int32_t> stride_x{"stride_x"}, stride_y{"stride_y"};
    Input<int32_t> pad_x{"pad_x"}, pad_y{"pad_y"};

    void configure() {
        input_ = add_input<Buffer<>>("input", element_type.value(), 4);
        output_ = add_output<Buffer<>>("output", element_type.value(), 4);
    }

    void generate() {
        mobiq::PoolStages s;
        auto &in = *input_;
        auto &out = *output_;
        const Type t = element_type.value();
        const bool is_int = t.is_int();
        Var c = s.c, ox = s.ox, oy = s.oy, n = s.n;
        Expr W = in.dim(1).extent(), H = in.dim(2).extent();
        Expr x0 = ox * stride_x - pad_x, y0 = oy * stride_y - pad_y;
        // The window clipped to the image: no padding is ever read.
        Expr xs = max(x0, 0), ys = max(y0, 0);
        Expr xe = min(x0 + kernel_w, W), ye = min(y0 + kernel_h, H);
        RDom r(0, kernel_w, 0, kernel_h, "r");
        r.where(xs + r.x < xe && ys + r.y < ye);
        // The predicate keeps the taps inside; the clamp only tells bounds inference so.
        Expr v = in(c, min(xs + r.x, W - 1), min(ys + r.y, H - 1), n);
        if (average) {
            Expr count = max((xe - xs) * (ye - ys), 1);
            if (is_int) {
                out(c, ox, oy, n) = cast(t, rounded_average(sum(cast<int32_t>(v)), count));
            } else {
                out(c, ox, oy, n) = sum(v) / cast<float>(count);
            }
        } else {
            out(c, ox, oy, n) = maximum(v);
        }

        add_requirement(kernel_w > 0 && kernel_h > 0 && stride_x > 0 && stride_y > 0,
                        "pool2d: window and strides must be positive");
        add_requirement(pad_x >= 0 && pad_y >= 0 && pad_x < kernel_w && pad_y < kernel_h,
                        "pool2d: padding must be in [0, window)");
        mobiq::require_dense_from_zero(in, 4);
        mobiq::require_dense_from_zero(out, 4);
        in.set_estimates({{0, 64}, {0, 112}, {0, 112}, {0, 1}});
        out.set_estimates({{0, 64}, {0, 56}, {0, 56}, {0, 1}});
        s.output = out;
        s.channels = out.dim(0).extent();
        s.element_bytes = t.bytes();
        mobiq::ScheduleRegistry<mobiq::PoolStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *input_ = nullptr;
    Output<Buffer<>> *output_ = nullptr;
};

class GlobalAveragePool : public Generator<GlobalAveragePool> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    GeneratorParam<Type> element_type{"element_type", Int(8)};

    void configure() {
        input_ = add_input<Buffer<>>("input", element_type.value(), 4);
        output_ = add_output<Buffer<>>("output", element_type.value(), 4);
    }

    void generate() {
        mobiq::PoolStages s;
        auto &in = *input_;
        auto &out = *output_;
        const Type t = element_type.value();
        Var c = s.c, ox = s.ox, oy = s.oy, n = s.n;
        Expr W = in.dim(1).extent(), H = in.dim(2).extent();
        RDom r(0, W, 0, H, "r");
        if (t.is_int()) {
            out(c, ox, oy, n) = cast(t, rounded_average(sum(cast<int32_t>(in(c, r.x, r.y, n))), W * H));
        } else {
            out(c, ox, oy, n) = sum(in(c, r.x, r.y, n)) / cast<float>(W * H);
        }
        add_requirement(out.dim(1).extent() == 1 && out.dim(2).extent() == 1,
                        "global_average_pool: output must be (C, 1, 1, N)");
        mobiq::require_dense_from_zero(in, 4);
        mobiq::require_dense_from_zero(out, 4);
        in.set_estimates({{0, 2048}, {0, 7}, {0, 7}, {0, 1}});
        out.set_estimates({{0, 2048}, {0, 1}, {0, 1}, {0, 1}});
        s.output = out;
        s.channels = out.dim(0).extent();
        s.element_bytes = 4;
        mobiq::ScheduleRegistry<mobiq::PoolStages>::apply(schedule_family, s, get_target());
    }

private:
    Input<Buffer<>> *input_ = nullptr;
    Output<Buffer<>> *output_ = nullptr;
};

}  // namespace

HALIDE_REGISTER_GENERATOR(Pool2d, pool2d)
HALIDE_REGISTER_GENERATOR(GlobalAveragePool, global_average_pool)
