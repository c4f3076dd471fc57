// Every distinct layer of ResNet50, MobileNet-v1 and VGG16 (networks/layer_shapes.h)
// with each applicable method, INT8 and FP32, on one kernel set, once per
// registered variant of the method's main kernel (mobiq/kernel_registry.h; a
// variant beyond the base one is named in brackets, e.g. int8_gemm[arm_dot=true];
// an autoscheduled one only at its own layer, int8_gemm[autoschedule=adams2019_resnet50_l2_3x3_128]):
//   conv: int8_gemm (im2col + gemm_int8; the GEMM alone for 1x1 stride-1),
//         int8_implicit (conv2d_int8_implicit; Cin padded to a multiple of 4),
//         fp32_gemm (im2col + gemm_fp32), fp32_direct (conv2d_fp32_implicit);
//   depthwise: int8_dw, fp32_dw;  fully connected: int8_gemm, fp32_gemm (M = 1).
// INT8 kernels run the usual deployed scheme: asymmetric activations,
// symmetric per-channel weights, requantized to int8 with a fused ReLU.
//
//   layer_bench [--threads=N] [--family=host_x86|opencl_gpu|...] [--network=NAME] [Google Benchmark flags]
// (--family names a kernel set).
//
// OpenCL families are timed with the data resident on the device (uploaded once;
// each iteration waits for the device), as the runtime runs a network.
// The CPU peak is measured before and after (bench/machine_peak.h) and written
// beside the JSON output (F.json.peak); tools/layer_table.py makes the tables.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "HalideBuffer.h"
#include "HalideRuntime.h"
#include "layer_shapes.h"
#include "machine_peak.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/kernel_errors.h"
#include "mobiq/im2col_gemm.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/opencl_arm_dot.h"
#ifdef MOBIQ_HAVE_OPENCL
#include "HalideRuntimeOpenCL.h"
#endif

namespace mobiq::bench {
namespace {

using Halide::Runtime::Buffer;
using networks::LayerKind;
using networks::LayerShape;

namespace op = kernel_op;
const KernelSet *g_family = nullptr;
int g_threads = 1;
Peak g_peak;

template <typename T>
Buffer<T> random_buffer(std::vector<int> shape, uint32_t seed) {
    Buffer<T> b(shape);
    std::mt19937 rng(seed);
    if constexpr (std::is_same_v<T, float>) {
        std::normal_distribution<float> d;
        b.for_each_value([&](T &v) { v = d(rng) * 0.1f; });
    } else {
        std::uniform_int_distribution<int> d(-127, 127);
        b.for_each_value([&](T &v) { v = static_cast<T>(d(rng)); });
    }
    b.set_host_dirty();
    return b;
}

// A 5-D im2col view over the (K_padded, M) GEMM operand, sharing its memory
// (and, on OpenCL, its device allocation).
template <typename T>
struct Im2colOperand {
    Buffer<T> lhs, view;
    Im2colGeometry g;
    Im2colOperand(const LayerShape &l, int k_padded)
        : lhs(k_padded, l.out_h() * l.out_w()),
          g{l.cin, l.kh, l.kw, l.stride, l.stride, l.pad, l.pad, l.out_w(), l.out_h(), 1} {
        lhs.fill(0);
        view = im2col_output_view(lhs, g);
#ifdef MOBIQ_HAVE_OPENCL
        if (g_family->opencl) {
            lhs.set_host_dirty();
            lhs.copy_to_device(halide_opencl_device_interface());
            halide_opencl_wrap_cl_mem(nullptr, view.raw_buffer(), halide_opencl_get_cl_mem(nullptr, lhs.raw_buffer()));
        }
#endif
    }
    ~Im2colOperand() {
#ifdef MOBIQ_HAVE_OPENCL
        if (g_family->opencl) halide_opencl_detach_cl_mem(nullptr, view.raw_buffer());
#endif
    }
};

// Times `run` (one layer) until Google Benchmark is satisfied; OpenCL waits for the device.
void time_layer(benchmark::State &state, const LayerShape &l, const std::function<int()> &run, halide_buffer_t *out) {
    if (run() != 0) {  // warm-up; uploads the inputs once
        state.SkipWithError(take_last_kernel_error().c_str());
        return;
    }
    for (auto _ : state) {
        if (run() != 0) {
            state.SkipWithError(take_last_kernel_error().c_str());
            break;
        }
        if (g_family->opencl) halide_device_sync(nullptr, out);
    }
    state.counters["MACs"] = l.macs();
    state.counters["layers"] = l.count;
    state.counters["threads"] = g_threads;
    state.counters["GOP/s"] = benchmark::Counter(2 * l.macs() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

struct Int8Weights {
    PackedGemmInt8Weights packed;
    Buffer<int8_t> rhs;
    Buffer<int32_t> colsum, zw, bias, mult, shift;
    Int8Weights(int k, int n) {
        std::vector<int8_t> w(static_cast<size_t>(n) * k);
        std::mt19937 rng(7);
        std::uniform_int_distribution<int> d(-127, 127);
        for (auto &v : w) v = static_cast<int8_t>(d(rng));
        if (!pack_gemm_int8_weights(w.data(), k, n, nullptr, 0, &packed).is_ok()) std::abort();  // k, n > 0 here
        rhs = Buffer<int8_t>(packed.data.data(), 4, n, packed.k_padded / 4);
        colsum = Buffer<int32_t>(packed.column_sum.data(), n);
        zw = Buffer<int32_t>(n);
        bias = Buffer<int32_t>(n);
        mult = Buffer<int32_t>(n);
        shift = Buffer<int32_t>(n);
        zw.fill(0);
        bias.fill(1000);
        mult.fill(1 << 30);
        shift.fill(-12);
        for (auto *b : {&colsum, &zw, &bias, &mult, &shift}) b->set_host_dirty();
        rhs.set_host_dirty();
    }
};

constexpr int32_t kZx = 3, kZo = -128;

// Each benchmark times one registered variant (`row`) of the method's main
// kernel; the other kernels of the method are the set's base ones.
template <typename Op>
Kernel<Op> variant_of(const KernelRow *row) {
    return as_kernel<Op>(row, *g_family);
}
template <typename Op>
Kernel<Op> base_of(const char *params = "") {
    return find_kernel<Op>(*g_family, params);
}

void conv_int8_gemm(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto gemm = variant_of<op::gemm_int8>(row);
    const int K = l.cin * l.kh * l.kw, M = l.out_h() * l.out_w();
    Int8Weights w(K, l.cout);
    Buffer<int8_t> out(l.cout, M);
    const bool direct = l.kh == 1 && l.kw == 1 && l.stride == 1 && l.pad == 0 && l.cin % 4 == 0;
    if (direct) {
        auto in = random_buffer<int8_t>({l.cin, M}, 1);
        time_layer(state, l, [&] {
            return gemm(in, kZx, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, kZo, kZo, 127, out);
        }, out.raw_buffer());
    } else {
        const auto im2col = base_of<op::im2col>("element_type=int8");
        auto in = random_buffer<int8_t>({l.cin * l.w, l.h, 1}, 1);
        Im2colOperand<int8_t> op(l, w.packed.k_padded);
        time_layer(state, l, [&] {
            int e = run_im2col(im2col, op.g, kZx, in, op.view);
            if (e) return e;
            return gemm(op.lhs, kZx, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, kZo, kZo, 127, out);
        }, out.raw_buffer());
    }
}

// Cin not a multiple of 4 (the first layers, RGB) runs on the input padded to
// a multiple of 4 channels (the runtime's plan: the extra channels hold the
// zero point, their weights zero); MACs are still counted for the real layer.
void conv_int8_implicit(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto conv = variant_of<op::conv2d_int8_implicit>(row);
    const int cin = (l.cin + 3) / 4 * 4;
    Int8Weights w(cin * l.kh * l.kw, l.cout);
    auto in = random_buffer<int8_t>({cin, l.w + 2 * l.pad, l.h + 2 * l.pad, 1}, 1);
    Buffer<int8_t> out(l.cout, l.out_w(), l.out_h(), 1);
    time_layer(state, l, [&] {
        return conv(in, kZx, w.rhs, w.colsum, w.zw, w.bias, w.mult, w.shift, kZo, kZo, 127, l.kw, l.kh, l.stride,
                    l.stride, out);
    }, out.raw_buffer());
}

void conv_fp32_gemm(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto gemm = variant_of<op::gemm_fp32>(row);
    const int K = l.cin * l.kh * l.kw, M = l.out_h() * l.out_w();
    auto rhs = random_buffer<float>({l.cout, K}, 2);
    auto bias = random_buffer<float>({l.cout}, 3);
    Buffer<float> out(l.cout, M);
    const float inf = std::numeric_limits<float>::infinity();
    const bool direct = l.kh == 1 && l.kw == 1 && l.stride == 1 && l.pad == 0;
    if (direct) {
        auto in = random_buffer<float>({l.cin, M}, 1);
        time_layer(state, l, [&] { return gemm(in, rhs, bias, 0.0f, inf, out); }, out.raw_buffer());
    } else {
        const auto im2col = base_of<op::im2col>("element_type=float32");
        auto in = random_buffer<float>({l.cin * l.w, l.h, 1}, 1);
        Im2colOperand<float> op(l, K);
        time_layer(state, l, [&] {
            int e = run_im2col(im2col, op.g, 0, in, op.view);
            if (e) return e;
            return gemm(op.lhs, rhs, bias, 0.0f, inf, out);
        }, out.raw_buffer());
    }
}

void conv_fp32_direct(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto conv = variant_of<op::conv2d_fp32_implicit>(row);
    auto in = random_buffer<float>({l.cin, l.w + 2 * l.pad, l.h + 2 * l.pad, 1}, 1);
    auto rhs = random_buffer<float>({l.cout, l.cin * l.kh * l.kw}, 2);
    auto bias = random_buffer<float>({l.cout}, 3);
    Buffer<float> out(l.cout, l.out_w(), l.out_h(), 1);
    const float inf = std::numeric_limits<float>::infinity();
    time_layer(state, l, [&] {
        return conv(in, rhs, bias, 0.0f, inf, l.kw, l.kh, l.stride, l.stride, out);
    }, out.raw_buffer());
}

void depthwise_int8(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto dw = variant_of<op::depthwise_conv2d_int8>(row);
    auto in = random_buffer<int8_t>({l.cin, l.w + 2 * l.pad, l.h + 2 * l.pad, 1}, 1);
    auto w = random_buffer<int8_t>({l.cin, l.kw, l.kh}, 2);
    Buffer<int32_t> zw(l.cin), bias(l.cin), mult(l.cin), shift(l.cin);
    zw.fill(0);
    bias.fill(100);
    mult.fill(1 << 30);
    shift.fill(-6);
    for (auto *b : {&zw, &bias, &mult, &shift}) b->set_host_dirty();
    Buffer<int8_t> out(l.cin, l.out_w(), l.out_h(), 1);
    time_layer(state, l, [&] {
        return dw(in, kZx, w, zw, bias, mult, shift, kZo, kZo, 127, l.stride, l.stride, out);
    }, out.raw_buffer());
}

void depthwise_fp32(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto dw = variant_of<op::depthwise_conv2d_fp32>(row);
    auto in = random_buffer<float>({l.cin, l.w + 2 * l.pad, l.h + 2 * l.pad, 1}, 1);
    auto w = random_buffer<float>({l.cin, l.kw, l.kh}, 2);
    auto bias = random_buffer<float>({l.cin}, 3);
    Buffer<float> out(l.cin, l.out_w(), l.out_h(), 1);
    time_layer(state, l, [&] { return dw(in, w, bias, 0.0f, 6.0f, l.stride, l.stride, out); }, out.raw_buffer());
}

using LayerFn = void (*)(benchmark::State &, LayerShape, const KernelRow *);

// One benchmark per registered variant of `op` whose parameters include
// `params` (and, where given, `exclude_key` absent): the base variant under
// the method's name, the others as method[extra params].
void add_variants(const LayerShape &l, const char *method, LayerFn fn, const char *op, const char *params,
                  const char *exclude_key = nullptr) {
    const std::string base = std::string(l.network) + "/" + l.name + "/" + method;
    for (const KernelRow *row : kernel_rows_with(op, g_family->family, params)) {
        if (exclude_key && !row->param(exclude_key).empty()) continue;
        // An autoscheduled variant (docs/autoschedule.md) only at the layer it was made for:
        // elsewhere it may run its guarded serial fallback, whose time says nothing.
        const std::string as = row->param("autoschedule");
        if (!as.empty() && as.substr(as.find('_') + 1) != std::string(l.network) + "_" + l.name) continue;
        const std::string extra = row->params_beyond(params);
        if (row->needs_arm_dot()) prepare_opencl_arm_dot();
        const std::string name = extra.empty() ? base : base + "[" + extra + "]";
        benchmark::RegisterBenchmark(name.c_str(), fn, l, row)->UseRealTime()->Unit(benchmark::kMillisecond);
    }
}

void register_layer(const LayerShape &l) {
    if (l.kind == LayerKind::Depthwise) {
        add_variants(l, "int8_dw", depthwise_int8, "depthwise_conv2d_int8", "", "kernel_size");
        add_variants(l, "fp32_dw", depthwise_fp32, "depthwise_conv2d_fp32", "", "kernel_size");
        return;
    }
    add_variants(l, "int8_gemm", conv_int8_gemm, "gemm_int8", "requantize=true,weight_zero_point=false");
    if (l.kind == LayerKind::Conv)
        add_variants(l, "int8_implicit", conv_int8_implicit, "conv2d_int8_implicit",
                     "requantize=true,weight_zero_point=false");
    add_variants(l, "fp32_gemm", conv_fp32_gemm, "gemm_fp32", "");
    if (l.kind == LayerKind::Conv) add_variants(l, "fp32_direct", conv_fp32_direct, "conv2d_fp32_implicit", "");
}

}  // namespace
}  // namespace mobiq::bench

int main(int argc, char **argv) {
    using namespace mobiq::bench;
    std::vector<char *> args;
    std::string json_out, family = "host_x86", network = "all";
    for (int i = 0; i < argc; i++) {
        std::string a = argv[i];
        if (a.rfind("--threads=", 0) == 0) {
            g_threads = std::atoi(a.c_str() + 10);
            if (g_threads < 1 || g_threads > 256) {
                std::fprintf(stderr, "layer_bench: --threads must be 1..256, got '%s'\n", a.c_str() + 10);
                return 2;
            }
        } else if (a.rfind("--family=", 0) == 0) {
            family = a.substr(9);
        } else if (a.rfind("--network=", 0) == 0) {
            network = a.substr(10);
        } else {
            if (a.rfind("--benchmark_out=", 0) == 0) json_out = a.substr(16);
            args.push_back(argv[i]);
        }
    }
    setenv("HL_NUM_THREADS", std::to_string(g_threads).c_str(), 1);
    g_family = mobiq::find_kernel_set(family);
    if (!g_family) {
        std::fprintf(stderr, "layer_bench: no kernel set '%s' in this build; built:", family.c_str());
        for (const auto &f : mobiq::kernel_sets()) std::fprintf(stderr, " %s", f.name.c_str());
        std::fprintf(stderr, "\n");
        return 2;
    }
    int registered = 0;
    for (const auto &l : mobiq::networks::network_layers())
        if (network == "all" || network == l.network) {
            register_layer(l);
            registered++;
        }
    if (!registered) {
        std::fprintf(stderr, "layer_bench: unknown network '%s' (resnet50, mobilenet_v1, vgg16, all)\n", network.c_str());
        return 2;
    }
    if (!g_family->opencl) g_peak = measure_peak(g_threads);
    int n = static_cast<int>(args.size());
    benchmark::AddCustomContext("family", family);
    benchmark::Initialize(&n, args.data());
    if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    if (!g_family->opencl) g_peak = max_peak(g_peak, measure_peak(g_threads));
    std::printf("family %s, threads %d; CPU peak: int8 %.1f GMAC/s, fp32 %.1f GMAC/s\n", family.c_str(), g_threads,
                g_peak.int8_macs_per_s * 1e-9, g_peak.fp32_macs_per_s * 1e-9);
    if (!json_out.empty()) {
        if (std::FILE *f = std::fopen((json_out + ".peak").c_str(), "w")) {
            std::fprintf(f, "{\"family\": \"%s\", \"threads\": %d, \"peak_int8_GMACps\": %.3f, \"peak_fp32_GMACps\": %.3f}\n",
                         family.c_str(), g_threads, g_peak.int8_macs_per_s * 1e-9, g_peak.fp32_macs_per_s * 1e-9);
            std::fclose(f);
        }
    }
    return 0;
}
