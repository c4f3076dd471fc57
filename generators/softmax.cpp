// softmax_fp32: y(k, n) = exp(x(k, n) - max_k x) / sum_k exp(x(k, n) - max_k x)
// over the dense dimension k of a (K, N) matrix (a classifier's last op).
// Subtracting the maximum keeps exp finite for any input; float32 throughout
// (Halide's exp: within a few ULP of std::exp, tests/test_pool_add_quantize.cpp).
#include "Halide.h"
#include "layouts.h"
#include "schedule_registry.h"
#include "softmax.h"

namespace {

using namespace Halide;

class SoftmaxFp32 : public Generator<SoftmaxFp32> {
public:
    GeneratorParam<std::string> schedule_family{"schedule", "x86"};
    Input<Buffer<float, 2>> input{"input"};
    Output<Buffer<float, 2>> output{"output"};

    void generate() {
        mobiq::SoftmaxStages s;
        Var k = s.k, n = s.n;
        RDom r(0, input.dim(0).extent(), "r");
        s.max(n) = input(0, n);
        s.max(n) = Halide::max(s.max(n), input(r, n));
        s.sum(n) = 0.0f;
        s.sum(n) += exp(input(r, n) - s.max(n));
        output(k, n) = exp(input(k, n) - s.max(n)) / s.sum(n);

        mobiq::require_dense_from_zero(input, 2);
        mobiq::require_dense_from_zero(output, 2);
        input.set_estimates({{0, 1000}, {0, 1}});
        output.set_estimates({{0, 1000}, {0, 1}});
        s.output = output;
        mobiq::ScheduleRegistry<mobiq::SoftmaxStages>::apply(schedule_family, s, get_target());
    }
};

}  // namespace

HALIDE_REGISTER_GENERATOR(SoftmaxFp32, softmax_fp32)
