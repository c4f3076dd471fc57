// Every distinct layer of ResNet50, MobileNet-v1 and VGG16 (networks/layer_shapes.h)
// with each applicable method, INT8 and FP32, on one kernel set, once per
// registered variant of the method's main kernel (mobiq/kernel_registry.h; a
// variant beyond the base one is named in brackets, e.g. int8_gemm[arm_dot=true];
// an autoscheduled one only at its own layer, int8_gemm[autoschedule=adams2019_resnet50_l2_3x3_128]):
//   conv: int8_gemm (im2col + gemm_int8; the GEMM alone for 1x1 stride-1),
//         int8_implicit (conv2d_int8_implicit; Cin padded to a multiple of 4),
//         fp32_gemm (im2col + gemm_fp32), fp32_direct (conv2d_fp32_implicit);
//   depthwise: int8_dw, fp32_dw;  fully connected: int8_gemm, fp32_gemm (M = 1);
//   3x3 stride-1 pad-1 conv (ResNet50, VGG16), Winograd as the runtime runs it
//   (runtime/ops/conv_winograd.cpp: input transform of the unpadded image ->
//   one GEMM per tap -> output transform; the variants are the tap GEMM's,
//   autoscheduled ones left out):
//         int8_winograd_int16 (F(2,3), winograd_input_transform domain=int16 +
//           gemm_int16 x16 + winograd_output_transform_int; exact),
//         int8_winograd_int6w4 (F(2,3), INT6 inputs / INT4 weights: domain=int8 +
//           gemm_int8 requantize=false x16 + winograd_output_transform_int;
//           int8_winograd_int6w4[amx=true]: the taps on gemm_int8_amx, where
//           amx_usable() and the shape fits it: K % 64, N % 16, tiles >= 16),
//         fp32_winograd_f2, fp32_winograd_f4 (domain=float32 tile=2|4 + gemm_fp32
//           per tap + winograd_output_transform_fp32);
//         on GPU families each also as *_one_launch: the taps' GEMMs as one
//           winograd_tap_gemm launch, as OpenCL sessions run them.
//       Their MACs and GOP/s are the direct convolution's (an effective rate:
//       ratios against the other conv methods read straight off), and counters
//       input_ms, gemms_ms, output_ms give each stage's mean time per iteration
//       (timed inside the iteration; on OpenCL each after a device sync).
// INT8 kernels run the usual deployed scheme: asymmetric activations,
// symmetric per-channel weights, requantized to int8 with a fused ReLU
// (int8_winograd_int6w4: the INT6 / INT4 operands its plan quantizes to).
//
//   layer_bench [--threads=N] [--family=host_x86|opencl_gpu|...] [--network=NAME] [Google Benchmark flags]
// (--family names a kernel set).
//
// OpenCL families are timed with the data resident on the device (uploaded once;
// each iteration waits for the device), as the runtime runs a network.
// The CPU peak is measured before and after (bench/machine_peak.h) and written
// beside the JSON output (F.json.peak); tools/layer_table.py makes the tables.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
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
#include "mobiq/winograd_tap_stack.h"
#include "mobiq/winograd_weights.h"
#include "mobiq/thread_pool.h"
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

// The stages of a composite method (Winograd: input transform, tap GEMMs,
// output transform), timed inside each iteration: a clock read after each
// stage, after a device sync on OpenCL (the way the file times OpenCL).
struct StageTimes {
    using clock = std::chrono::steady_clock;
    static constexpr const char *kNames[3] = {"input_ms", "gemms_ms", "output_ms"};
    double sum_ms[3] = {0, 0, 0};
    clock::time_point t;
    void start() { t = clock::now(); }
    void lap(int stage, halide_buffer_t *written) {
        if (g_family->opencl) halide_device_sync(nullptr, written);
        const auto now = clock::now();
        sum_ms[stage] += std::chrono::duration<double, std::milli>(now - t).count();
        t = now;
    }
};

// Times `run` (one layer) until Google Benchmark is satisfied; OpenCL waits for
// the device. With `stages`, also each stage's mean time per iteration (ms).
void time_layer(benchmark::State &state, const LayerShape &l, const std::function<int()> &run, halide_buffer_t *out,
                StageTimes *stages = nullptr) {
    if (run() != 0) {  // warm-up; uploads the inputs once
        state.SkipWithError(take_last_kernel_error().c_str());
        return;
    }
    if (stages) *stages = StageTimes();
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
    if (stages && state.iterations() > 0)
        for (int i = 0; i < 3; i++) state.counters[StageTimes::kNames[i]] = stages->sum_ms[i] / state.iterations();
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

// gemm_int8 or gemm_int8_u8w (its weights + 128: flipped once, as the runtime does).
template <typename Op>
void conv_int8_gemm(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const auto gemm = variant_of<Op>(row);
    const int K = l.cin * l.kh * l.kw, M = l.out_h() * l.out_w();
    Int8Weights w(K, l.cout);
    if (row->param("u8_weights") == "true") flip_gemm_int8_weights_to_u8(w.rhs.data(), w.rhs.number_of_elements());
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
    // pads_input=true reads the image itself, placed in the padded frame (the runtime's call).
    const bool pads = row->param("pads_input") == "true";
    auto in = pads ? random_buffer<float>({l.cin, l.w, l.h, 1}, 1)
                   : random_buffer<float>({l.cin, l.w + 2 * l.pad, l.h + 2 * l.pad, 1}, 1);
    if (pads) in.translate({0, l.pad, l.pad, 0});
    auto w = random_buffer<float>({l.cin, l.kw, l.kh}, 2);
    auto bias = random_buffer<float>({l.cin}, 3);
    Buffer<float> out(l.cin, l.out_w(), l.out_h(), 1);
    time_layer(state, l, [&] { return dw(in, w, bias, 0.0f, 6.0f, l.stride, l.stride, out); }, out.raw_buffer());
}

// ---- Winograd F(m x m, 3 x 3) (3x3 stride-1 pad-1 layers), as the runtime
// runs it (runtime/ops/conv_winograd.cpp): the input transform reads the
// unpadded image (it adds the padding itself) into V, one (C, tiles) matrix per
// tap; one GEMM per tap, V_t against the transformed weights U_t, into M; the
// output transform (bias, requantization / clamp) into the output.

// V or M: one allocation, seen as the transforms see it, (c, tx, ty, 1, taps),
// and as each tap's GEMM operand / result, (c, tiles): crops of it (on OpenCL
// device crops of its cl_mem, whose handle carries the offset), moved to min 0
// in the raw buffer (Buffer::translate would drop the device crop).
template <typename T>
struct TapMatrices {
    Buffer<T> flat, tiles, all;  // all: (c, tiles, taps), what winograd_tap_gemm takes
    std::vector<Buffer<T>> tap;
    TapMatrices(int c, int tx, int ty, int taps) : flat(c, tx * ty * taps) {
        flat.fill(0);
        tiles = Buffer<T>(flat.data(), c, tx, ty, 1, taps);
        all = Buffer<T>(flat.data(), c, tx * ty, taps);
#ifdef MOBIQ_HAVE_OPENCL
        if (g_family->opencl) {
            flat.set_host_dirty();
            flat.copy_to_device(halide_opencl_device_interface());
            halide_opencl_wrap_cl_mem(nullptr, tiles.raw_buffer(), halide_opencl_get_cl_mem(nullptr, flat.raw_buffer()));
            halide_opencl_wrap_cl_mem(nullptr, all.raw_buffer(), halide_opencl_get_cl_mem(nullptr, flat.raw_buffer()));
        }
#endif
        const int n = tx * ty;
        for (int t = 0; t < taps; t++) {
            Buffer<T> b = flat.cropped(1, t * n, n);
            b.raw_buffer()->dim[1].min = 0;
            tap.push_back(b);
        }
    }
    ~TapMatrices() {
        tap.clear();
#ifdef MOBIQ_HAVE_OPENCL
        if (g_family->opencl) {
            halide_opencl_detach_cl_mem(nullptr, tiles.raw_buffer());
            halide_opencl_detach_cl_mem(nullptr, all.raw_buffer());
        }
#endif
    }
};

// The tap GEMMs of a Winograd method: the per-tap GEMM row it was registered
// with, once per tap, or (a winograd_tap_gemm row, GPUs) one launch over all
// taps on their weights stacked, as the runtime runs them on OpenCL.
template <typename GemmOp>
struct TapGemms {
    Kernel<GemmOp> per_tap;
#ifdef MOBIQ_HAVE_OPENCL
    Kernel<op::winograd_tap_gemm> one_launch;
#endif
    Buffer<void> stacked;
    bool one = false;
    // row: of GemmOp, of winograd_tap_gemm, or null (the caller runs another op per tap).
    explicit TapGemms(const KernelRow *row) {
        if (row == nullptr) return;
#ifdef MOBIQ_HAVE_OPENCL
        if (std::strcmp(row->op, op::winograd_tap_gemm::name) == 0) {
            one_launch = variant_of<op::winograd_tap_gemm>(row);
            one = true;
            return;
        }
#endif
        per_tap = variant_of<GemmOp>(row);
    }
    bool batched() const { return one; }
    // The taps' packed weights (each (g, n, k / g), or gemm_fp32's (n, k): g = 1)
    // as one (g, n, k / g, taps) buffer.
    template <typename T>
    void stack(const std::vector<Buffer<T>> &rhs) {
        if (batched()) stacked = stack_tap_weights(rhs);
    }
    // gemm(tap) for every tap, or the one launch.
    template <typename In, typename Out, typename Fn>
    int run(TapMatrices<In> &v, TapMatrices<Out> &m, int taps, const Fn &gemm) {
#ifdef MOBIQ_HAVE_OPENCL
        if (batched()) return one_launch(v.all, stacked, m.all);
#endif
        for (int tap = 0; tap < taps; tap++)
            if (const int e = gemm(tap)) return e;
        return 0;
    }
};

// The tiles of F(m x m, 3 x 3) over a layer's output.
struct WinogradTiling {
    int m, alpha, taps, tx, ty;
    WinogradTiling(const LayerShape &l, int m_)
        : m(m_), alpha(m_ + 2), taps((m_ + 2) * (m_ + 2)), tx((l.out_w() + m_ - 1) / m_),
          ty((l.out_h() + m_ - 1) / m_) {}
    int tiles() const { return tx * ty; }
};

bool winograd_layer(const LayerShape &l) {
    return l.kind == LayerKind::Conv && l.kh == 3 && l.kw == 3 && l.stride == 1 && l.pad == 1;
}

// Random OHWI (N, 3, 3, C) int8 weights in [lo, hi]; input channels from `cin` on (padding) zero.
std::vector<int8_t> winograd_int8_weights(const LayerShape &l, int c, int lo, int hi) {
    std::vector<int8_t> w(static_cast<size_t>(l.cout) * 9 * c, 0);
    std::mt19937 rng(7);
    std::uniform_int_distribution<int> d(lo, hi);
    for (int o = 0; o < l.cout; o++)
        for (int k = 0; k < 9; k++)
            for (int ch = 0; ch < l.cin; ch++) w[(static_cast<size_t>(o) * 9 + k) * c + ch] = static_cast<int8_t>(d(rng));
    return w;
}

// The per-channel output stage of the int output transform (the other INT8 methods' values).
struct Int8OutputStage {
    Buffer<int32_t> zero, bias, mult, shift;
    explicit Int8OutputStage(int n) : zero(n), bias(n), mult(n), shift(n) {
        zero.fill(0);
        bias.fill(1000);
        mult.fill(1 << 30);
        shift.fill(-12);
        for (auto *b : {&zero, &bias, &mult, &shift}) b->set_host_dirty();
    }
};

// int16 F(2,3), exact for any int8 input: B^T (x - z) B in int16, U' = G' g G'^T
// as (2, N, K/2) int16 per tap, gemm_int16, the int output transform. C is the
// runtime's stored channel count (a multiple of 4; the extra ones' weights zero).
void conv_int8_winograd_int16(benchmark::State &state, LayerShape l, const KernelRow *row) {
    TapGemms<op::gemm_int16> taps(row);
    const auto &gemm = taps.per_tap;
    const auto input = base_of<op::winograd_input_transform>("domain=int16,tile=2");
    const auto output = base_of<op::winograd_output_transform_int>("domain=int,tile=2");
    const WinogradTiling t(l, 2);
    const int C = gemm_int8_padded_k(l.cin), N = l.cout;
    auto in = random_buffer<int8_t>({C, l.w, l.h, 1}, 1);
    const std::vector<int8_t> w = winograd_int8_weights(l, C, -127, 127);
    const std::vector<int32_t> u = winograd_f2x3_weights_int(w.data(), N, C);  // (16, N, C)
    std::vector<Buffer<int16_t>> rhs;
    for (int tap = 0; tap < t.taps; tap++) {
        Buffer<int16_t> b(2, N, C / 2);  // (k % 2, n, k / 2)
        for (int o = 0; o < N; o++)
            for (int ch = 0; ch < C; ch++)
                b(ch % 2, o, ch / 2) = static_cast<int16_t>(u[(static_cast<size_t>(tap) * N + o) * C + ch]);
        b.set_host_dirty();
        rhs.push_back(b);
    }
    taps.stack(rhs);
    Int8OutputStage q(N);
    TapMatrices<int16_t> v(C, t.tx, t.ty, t.taps);
    TapMatrices<int32_t> mm(N, t.tx, t.ty, t.taps);
    Buffer<int8_t> out(N, l.out_w(), l.out_h(), 1);
    StageTimes st;
    time_layer(state, l, [&] {
        st.start();
        if (const int e = input(in, kZx, v.tiles)) return e;
        st.lap(0, v.tiles);
        if (const int e = taps.run(v, mm, t.taps, [&](int tap) { return gemm(v.tap[tap], rhs[tap], q.zero, mm.tap[tap]); }))
            return e;
        st.lap(1, mm.tiles);
        const int e = output(mm.tiles, q.bias, q.mult, q.shift, kZo, kZo, 127, out);
        st.lap(2, out);
        return e;
    }, out.raw_buffer(), &st);
}

// int6w4 F(2,3) (INT6 inputs, INT4 weights, as the quantizer makes them for it):
// B^T x B of the raw int8 values and U' both fit int8, so the tap GEMMs are
// gemm_int8 with int32 outputs (requantize=false; on x86 with usable AMX also
// gemm_int8_amx, amx=true), the zero point in the output transform's bias.
void conv_int8_winograd_int6w4(benchmark::State &state, LayerShape l, const KernelRow *row) {
    const bool amx = std::strcmp(row->op, "gemm_int8_amx") == 0;
    TapGemms<op::gemm_int8> taps(amx ? nullptr : row);
    const auto &gemm = taps.per_tap;
#if defined(MOBIQ_CPU_FAMILY_X86)
    const auto gemm_amx = amx ? variant_of<op::gemm_int8_amx>(row) : Kernel<op::gemm_int8_amx>();
#endif
    const auto input = base_of<op::winograd_input_transform>("domain=int8,tile=2");
    const auto output = base_of<op::winograd_output_transform_int>("domain=int,tile=2");
    const WinogradTiling t(l, 2);
    const int C = gemm_int8_padded_k(l.cin), N = l.cout;
    constexpr int32_t zx = kZx;  // INT6: inputs and zero point in [-32, 31]
    Buffer<int8_t> in(C, l.w, l.h, 1);
    {
        std::mt19937 rng(1);
        std::uniform_int_distribution<int> d(-32, 31);
        in.for_each_value([&](int8_t &x) { x = static_cast<int8_t>(d(rng)); });
        in.set_host_dirty();
    }
    const std::vector<int8_t> w = winograd_int8_weights(l, C, -7, 7);  // INT4 (symmetric)
    const std::vector<int32_t> u = winograd_f2x3_weights_int(w.data(), N, C);
    std::vector<PackedGemmInt8Weights> packed(t.taps);
    std::vector<Buffer<int8_t>> rhs;
    std::vector<Buffer<int32_t>> colsum;
    std::vector<int8_t> narrow(static_cast<size_t>(N) * C);
    for (int tap = 0; tap < t.taps; tap++) {
        for (size_t i = 0; i < narrow.size(); i++) narrow[i] = static_cast<int8_t>(u[static_cast<size_t>(tap) * N * C + i]);
        if (!pack_gemm_int8_weights(narrow.data(), C, N, nullptr, 0, &packed[tap]).is_ok()) std::abort();
        rhs.emplace_back(packed[tap].data.data(), 4, N, C / 4);
        colsum.emplace_back(packed[tap].column_sum.data(), N);
        rhs.back().set_host_dirty();
        colsum.back().set_host_dirty();
    }
    taps.stack(rhs);
    Int8OutputStage q(N);
    for (int o = 0; o < N; o++) {  // the zero point's term: bias - z * sum g
        int32_t s = 0;
        for (int i = 0; i < 9 * C; i++) s += w[static_cast<size_t>(o) * 9 * C + i];
        q.bias(o) -= zx * s;
    }
    q.bias.set_host_dirty();
    TapMatrices<int8_t> v(C, t.tx, t.ty, t.taps);
    TapMatrices<int32_t> mm(N, t.tx, t.ty, t.taps);
    Buffer<int8_t> out(N, l.out_w(), l.out_h(), 1);
    StageTimes st;
    time_layer(state, l, [&] {
        st.start();
        if (const int e = input(in, zx, v.tiles)) return e;
        st.lap(0, v.tiles);
        if (const int e = taps.run(v, mm, t.taps, [&](int tap) {
#if defined(MOBIQ_CPU_FAMILY_X86)
                return amx ? gemm_amx(v.tap[tap], 0, rhs[tap], colsum[tap], q.zero, q.zero, q.mult, q.shift, 0, -128,
                                      127, mm.tap[tap])
                           : gemm(v.tap[tap], 0, rhs[tap], colsum[tap], q.zero, q.zero, q.mult, q.shift, 0, -128, 127,
                                  mm.tap[tap]);
#else
                return gemm(v.tap[tap], 0, rhs[tap], colsum[tap], q.zero, q.zero, q.mult, q.shift, 0, -128, 127,
                            mm.tap[tap]);
#endif
            }))
            return e;
        st.lap(1, mm.tiles);
        const int e = output(mm.tiles, q.bias, q.mult, q.shift, kZo, kZo, 127, out);
        st.lap(2, out);
        return e;
    }, out.raw_buffer(), &st);
}

// fp32 F(m,3), m = 2 or 4: float transforms, gemm_fp32 per tap (bias 0, no
// clamp), the output transform with the bias and the ReLU of the other FP32 methods.
void conv_fp32_winograd(benchmark::State &state, const LayerShape &l, const KernelRow *row, int m) {
    TapGemms<op::gemm_fp32> taps(row);
    const auto &gemm = taps.per_tap;
    const std::string params = "domain=float32,tile=" + std::to_string(m);
    const auto input = base_of<op::winograd_input_transform>(params.c_str());
    const auto output = base_of<op::winograd_output_transform_fp32>(params.c_str());
    const WinogradTiling t(l, m);
    const int C = l.cin, N = l.cout;
    auto in = random_buffer<float>({C, l.w, l.h, 1}, 1);
    std::vector<float> w(static_cast<size_t>(N) * 9 * C);  // OHWI
    {
        std::mt19937 rng(2);
        std::normal_distribution<float> d;
        for (auto &x : w) x = d(rng) * 0.1f;
    }
    const std::vector<float> u = winograd_weights_fp32(w.data(), N, C, m);  // (taps, N, C)
    std::vector<Buffer<float>> rhs;
    for (int tap = 0; tap < t.taps; tap++) {
        std::vector<float> packed;
        if (!pack_gemm_fp32_weights(u.data() + static_cast<size_t>(tap) * N * C, C, N, &packed).is_ok()) std::abort();
        Buffer<float> b(N, C);
        std::memcpy(b.data(), packed.data(), packed.size() * sizeof(float));
        b.set_host_dirty();
        rhs.push_back(b);
    }
    taps.stack(rhs);
    auto bias = random_buffer<float>({N}, 3);
    Buffer<float> zero(N);
    zero.fill(0.0f);
    zero.set_host_dirty();
    TapMatrices<float> v(C, t.tx, t.ty, t.taps);
    TapMatrices<float> mm(N, t.tx, t.ty, t.taps);
    Buffer<float> out(N, l.out_w(), l.out_h(), 1);
    const float inf = std::numeric_limits<float>::infinity();
    StageTimes st;
    time_layer(state, l, [&] {
        st.start();
        if (const int e = input(in, 0, v.tiles)) return e;
        st.lap(0, v.tiles);
        if (const int e = taps.run(v, mm, t.taps,
                                   [&](int tap) { return gemm(v.tap[tap], rhs[tap], zero, -inf, inf, mm.tap[tap]); }))
            return e;
        st.lap(1, mm.tiles);
        const int e = output(mm.tiles, bias, 0.0f, inf, out);
        st.lap(2, out);
        return e;
    }, out.raw_buffer(), &st);
}

void conv_fp32_winograd_f2(benchmark::State &state, LayerShape l, const KernelRow *row) {
    conv_fp32_winograd(state, l, row, 2);
}
void conv_fp32_winograd_f4(benchmark::State &state, LayerShape l, const KernelRow *row) {
    conv_fp32_winograd(state, l, row, 4);
}

using LayerFn = void (*)(benchmark::State &, LayerShape, const KernelRow *);

// One benchmark per registered variant of `op` whose parameters include
// `params` (and, where given, `exclude_key` absent): the base variant under
// the method's name, the others as method[extra params] (the parameters beyond
// `named_beyond` where given, else beyond `params`).
void add_variants(const LayerShape &l, const char *method, LayerFn fn, const char *op, const char *params,
                  const char *exclude_key = nullptr, const char *named_beyond = nullptr) {
    const std::string base = std::string(l.network) + "/" + l.name + "/" + method;
    for (const KernelRow *row : kernel_rows_with(op, g_family->family, params)) {
        if (exclude_key && !row->param(exclude_key).empty()) continue;
        // One-target AVX-512 rows: only where the set runs AVX-512 (no dispatch inside them).
        if (!row->param("avx512_core").empty() && !(g_family->cap == CpuLevel::kBest && avx512_usable())) continue;
        if (!row->param("u8_weights").empty() && !(g_family->cap == CpuLevel::kBest && avx512_vnni_usable())) continue;
        if (!row->param("u8w_halide").empty() && !(g_family->cap == CpuLevel::kBest && avx512_zen4_set_usable())) continue;
        // An autoscheduled variant (docs/autoschedule.md) only at the layer it was made for:
        // elsewhere it may run its guarded serial fallback, whose time says nothing.
        const std::string as = row->param("autoschedule");
        if (!as.empty() && as.substr(as.find('_') + 1) != std::string(l.network) + "_" + l.name) continue;
        const std::string extra = row->params_beyond(named_beyond ? named_beyond : params);
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
    add_variants(l, "int8_gemm", conv_int8_gemm<op::gemm_int8>, "gemm_int8", "requantize=true,weight_zero_point=false");
#if defined(MOBIQ_CPU_FAMILY_X86)
    // x86 VNNI with the weights as the unsigned operand (N % 16 == 0): int8_gemm[u8_weights=true].
    if (!g_family->opencl && l.cout % 16 == 0)
        add_variants(l, "int8_gemm", conv_int8_gemm<op::gemm_int8_u8w>, "gemm_int8_u8w",
                     "requantize=true,u8_weights=true,weight_zero_point=false", nullptr,
                     "requantize=true,weight_zero_point=false");
#endif
    if (l.kind == LayerKind::Conv)
        add_variants(l, "int8_implicit", conv_int8_implicit, "conv2d_int8_implicit",
                     "requantize=true,weight_zero_point=false");
    add_variants(l, "fp32_gemm", conv_fp32_gemm, "gemm_fp32", "");
    if (l.kind == LayerKind::Conv) add_variants(l, "fp32_direct", conv_fp32_direct, "conv2d_fp32_implicit", "");
    if (!winograd_layer(l)) return;
    // Winograd: one benchmark per variant of the tap GEMM; not the autoscheduled
    // ones (made for the layer's im2col GEMM, another shape than the taps').
    add_variants(l, "int8_winograd_int16", conv_int8_winograd_int16, "gemm_int16", "", "autoschedule");
    const char *i32 = "requantize=false,weight_zero_point=false";
    add_variants(l, "int8_winograd_int6w4", conv_int8_winograd_int6w4, "gemm_int8", i32, "autoschedule");
    // The AMX GEMM (x86, where the CPU and the OS allow it, at full dispatch
    // level; the shapes it takes: K % 64, N % 16, tiles >= 16) as int8_winograd_int6w4[amx=true].
    const WinogradTiling t(l, 2);
    if (!g_family->opencl && g_family->cap == CpuLevel::kBest && amx_usable() && gemm_int8_padded_k(l.cin) % 64 == 0 &&
        l.cout % 16 == 0 && t.tiles() >= 16)
        add_variants(l, "int8_winograd_int6w4", conv_int8_winograd_int6w4, "gemm_int8_amx",
                     "amx=true,requantize=false,weight_zero_point=false", "autoschedule", i32);
    add_variants(l, "fp32_winograd_f2", conv_fp32_winograd_f2, "gemm_fp32", "", "autoschedule");
    add_variants(l, "fp32_winograd_f4", conv_fp32_winograd_f4, "gemm_fp32", "", "autoschedule");
    // GPUs: the same with every tap's GEMM in one launch (winograd_tap_gemm), as OpenCL sessions run them.
    add_variants(l, "int8_winograd_int16_one_launch", conv_int8_winograd_int16, "winograd_tap_gemm", "domain=int16");
    add_variants(l, "int8_winograd_int6w4_one_launch", conv_int8_winograd_int6w4, "winograd_tap_gemm", "domain=int8");
    add_variants(l, "fp32_winograd_f2_one_launch", conv_fp32_winograd_f2, "winograd_tap_gemm", "domain=float32");
    add_variants(l, "fp32_winograd_f4_one_launch", conv_fp32_winograd_f4, "winograd_tap_gemm", "domain=float32");
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
    mobiq::set_thread_count(g_threads);  // the kernels' parallel loops run on OpenMP's team
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
