// Convolution by Winograd F(m x m, 3 x 3) (plan method winograd; docs/winograd.md,
// arithmetic in docs/arithmetic.md "Winograd"): per inference
//   1. the input transform (winograd_input_transform) reads the input (the
//      padding and the last tiles' overhang are its zero point, added by the
//      kernel) into V, one (C, tiles) matrix per tap;
//   2. one GEMM per tap, V_t against the transformed weights U_t, into M
//      (gemm_fp32, gemm_int16, or gemm_int8 with int32 outputs);
//   3. the output transform (winograd_output_transform_*) with the bias,
//      requantization and activation, into the output.
// V and M live in the node's scratch. The weights are transformed once, in
// prepare(). Variants (LayerPlan::winograd):
//   fp32    F(2,3) or F(4,3), FP32 sessions;
//   int16   F(2,3): V = B^T (x - z) B in int16, U' = G' g G'^T (G' = 2G) in
//           int16, exact: equal to the direct convolution of the same operands;
//   int6w4  F(2,3): INT6 inputs and INT4 weights (the quantizer's), so that V
//           (raw x) and U' fit int8: the int8 GEMM (vpdpbusd / sdot); z * sum g
//           goes in the bias. Exact on those operands.
//   int6w8  F(2,3): INT6 inputs as int6w4 (the same input transform and
//           correction), the weights transformed in float and quantized to
//           int8 per output channel (the quantizer's tap_weights); the same tap
//           GEMMs; the output transform without int6w4's >> 2
//           (weight_transform=float). Lossy by design, exact against its own
//           reference (docs/arithmetic.md "int6w8").
#include <cstring>
#include <algorithm>
#include <array>
#include <chrono>
#include <functional>
#include <limits>

#include "HalideRuntime.h"
#include "int8_weights.h"
#include "mobiq/gemm_weights.h"
#include "mobiq/layer_params.h"
#include "mobiq/winograd_tap_stack.h"
#include "mobiq/winograd_weights.h"
#include "operator.h"

namespace mobiq {
namespace {

using Halide::Runtime::Buffer;
namespace op = kernel_op;

// The tiling of one layer: tiles of m x m outputs, alpha x alpha inputs, in
// blocks of `block_rows` tile rows of one image (0: the whole layer as one
// block, its kernels parallel inside).
struct Tiling {
    int m = 2, alpha = 4, taps = 16, tx = 0, ty = 0, batch = 1, block_rows = 0;
    // Bytes each tap's matrix in V and M is rounded up to: 1 on the CPU; on
    // OpenCL 4096, so that every tap's GEMM operand, a device crop (a
    // sub-buffer), starts where OpenCL allows (CL_DEVICE_MEM_BASE_ADDR_ALIGN
    // is at most 4096 bits on the devices we know).
    int tap_align = 1;
    int tiles() const { return tx * ty * batch; }
    int blocks_per_image() const { return block_rows ? (ty + block_rows - 1) / block_rows : 1; }
    int blocks() const { return block_rows ? batch * blocks_per_image() : 1; }
    int block_tiles() const { return block_rows ? tx * block_rows : tiles(); }  // the largest block's
};

Tiling tiling_of(const Value &y, const LayerPlan &p, bool opencl) {
    Tiling t;
    t.tap_align = opencl ? 4096 : 1;
    t.m = p.winograd_tile;
    t.alpha = t.m + 2;
    t.taps = t.alpha * t.alpha;
    t.tx = (y.w + t.m - 1) / t.m;
    t.ty = (y.h + t.m - 1) / t.m;
    t.batch = y.n;
    t.block_rows = p.winograd_block_rows;
    return t;
}

// One block: images [img0, img0 + images), tile rows [ty0, ty0 + rows).
struct Block {
    int img0 = 0, images = 1, ty0 = 0, rows = 0;
    int tiles(const Tiling &t) const { return t.tx * rows * images; }
};

Block block_of(const Tiling &t, int b) {
    if (!t.block_rows) return {0, t.batch, 0, t.ty};
    Block k;
    k.img0 = b / t.blocks_per_image();
    k.ty0 = (b % t.blocks_per_image()) * t.block_rows;
    k.rows = std::min(t.block_rows, t.ty - k.ty0);
    return k;
}

// Elements from one tap's (c, tiles) matrix to the next in V or M.
size_t tap_stride(const Tiling &t, int tiles, int c, int elem) {
    const size_t bytes = size_t(tiles) * c * elem;
    return (bytes + t.tap_align - 1) / t.tap_align * t.tap_align / elem;
}

// A block's scratch: V (element `v_elem`, rounded up to 64 bytes or the tap
// alignment), then M (4-byte elements).
struct BlockScratch {
    size_t v_bytes = 0, bytes = 0;
};
BlockScratch block_scratch(const Tiling &t, int channels, int out_channels, int v_elem) {
    BlockScratch b;
    const size_t align = std::max(64, t.tap_align);
    b.v_bytes = (t.taps * tap_stride(t, t.block_tiles(), channels, v_elem) * v_elem + align - 1) / align * align;
    b.bytes = b.v_bytes + t.taps * tap_stride(t, t.block_tiles(), out_channels, 4) * 4;
    return b;
}

int v_elem_of(const std::string &variant) { return variant == "fp32" ? 4 : variant == "int16" ? 2 : 1; }

// The three stages' times (a clock read per stage: negligible next to a layer).
struct StageClock {
    using clock = std::chrono::steady_clock;
    explicit StageClock(double *ms) : ms_(ms), t_(clock::now()) {}
    void lap(int stage) {
        const auto now = clock::now();
        ms_[stage] += std::chrono::duration<double, std::milli>(now - t_).count();
        t_ = now;
    }

private:
    double *ms_;
    clock::time_point t_;
};

struct PreparedWinograd : Prepared {
    std::string variant;
    int m = 2;
    // Transformed weights, one GEMM operand per tap.
    std::vector<Buffer<float>> rhs_f32;  // per tap, views of rhs_f32_storage
    LargeVector<float> rhs_f32_storage;
    std::vector<Buffer<int16_t>> rhs_i16;
    std::vector<Buffer<int8_t>> rhs_i8;
    std::vector<Buffer<int32_t>> colsum;  // int6w4: per tap, for the u8 shift of vpdpbusd
    Buffer<float> bias_f32, zero_f32;
    Buffer<int32_t> bias, zero_i32;       // bias: the output transform's (int6w4: minus z * sum g)
    Int8ChannelParams ch;
    Kernel<op::winograd_input_transform> input;
    Kernel<op::gemm_fp32> gemm_f32;
    // LayerPlan::winograd_parallel_taps: the GEMMs are the serial variants, one
    // tap per task, the taps in parallel.
    bool parallel_taps = false;
    Kernel<op::gemm_int16> gemm_i16;
    Kernel<op::gemm_int8> gemm_i8;
#if defined(MOBIQ_CPU_FAMILY_X86)
    Kernel<op::gemm_int8_amx> gemm_amx;  // int6w4 where the plan chose AMX (kernel variant amx=true)
    // amx_tiles=true: the 2 x 2-tile core for tap GEMMs of >= 32 rows, on tile-packed taps.
    Kernel<op::gemm_int8_amx> gemm_amx_tiles;
#else
    Kernel<op::gemm_int8> gemm_amx, gemm_amx_tiles;  // never found: AMX exists on x86 builds only
#endif
    std::vector<Buffer<int8_t>> rhs_amx_tiles;
    // LayerPlan::winograd_batched_taps (GPUs): the taps' GEMMs as one launch of
    // winograd_tap_gemm on the taps' weights stacked, (group, N, K / group, taps).
    bool batched = false;
#if defined(MOBIQ_HAVE_OPENCL)
    Kernel<op::winograd_tap_gemm> tap_gemm;
#endif
    Buffer<> rhs_taps;
    Kernel<op::winograd_output_transform_fp32> output_f32;
    Kernel<op::winograd_output_transform_int> output_int;
    // tapwise: its transforms and their per-tap scales (docs/arithmetic.md "Winograd").
    Kernel<op::winograd_input_transform_tapwise> input_tw;
    Kernel<op::winograd_output_transform_tapwise> output_tw;
    Buffer<float> tap_in, tap_out;  // (taps); (N, taps)

    // Set by emit(): what a block needs at run time.
    Values *vs = nullptr;
    int xi = -1, yi = -1, si = -1, C = 0, N = 0;
    Tiling t;
    BlockScratch bs;
    int32_t zx = 0, zo = 0, lo = -128, hi = 127;
    float flo = 0, fhi = 0;
    std::vector<std::array<double, 3>> block_ms;  // per block, the stages' times of the last run
    double stage_ms[3] = {0, 0, 0};               // their sums

    int run_block(int b);
    int run();

    // Where the plan batches the taps: the kernel, and the taps' weights stacked
    // for it (the per-tap copies dropped).
    Status batch_taps_if_planned(const OpContext &c, const Node &n, const LayerPlan &p) {
        if (!p.winograd_batched_taps) return Status::ok();
#if defined(MOBIQ_HAVE_OPENCL)
        const std::string domain = variant == "fp32" ? "float32" : variant == "int16" ? "int16" : "int8";
        const bool arm_dot = p.kernel_variant.find("arm_dot=true") != std::string::npos;
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=" + domain + (arm_dot ? ",arm_dot=true" : ""), &tap_gemm));
        if (variant == "fp32") {  // the taps already lie one after another in rhs_f32_storage
            const int cout = rhs_f32[0].dim(0).extent(), K = rhs_f32[0].dim(1).extent();
            rhs_taps = Buffer<float>(rhs_f32_storage.data(), 1, cout, K, static_cast<int>(rhs_f32.size()));
            rhs_f32.clear();
        } else if (variant == "int16") {
            rhs_taps = stack_tap_weights(rhs_i16);
            rhs_i16.clear();
        } else {
            rhs_taps = stack_tap_weights(rhs_i8);
            rhs_i8.clear();
            colsum.clear();
        }
        rhs_taps.set_host_dirty();
        batched = true;
        return Status::ok();
#else
        return {StatusCode::kInternal, "layer '" + n.name + "': batched Winograd taps need an OpenCL build"};
#endif
    }

    // The taps' GEMMs in one launch: V (C, tiles, taps) and M (N, tiles, taps) of the scratch.
    template <typename In, typename Out>
    int batched_tap_gemm(Value &scratch, size_t vb, size_t mb, int tiles) {
#if defined(MOBIQ_HAVE_OPENCL)
        halide_dimension_t a[3] = {{0, C, 1}, {0, tiles, C}, {0, t.taps, int32_t(tap_stride(t, tiles, C, sizeof(In)))}};
        halide_dimension_t r[3] = {{0, N, 1}, {0, tiles, N}, {0, t.taps, int32_t(tap_stride(t, tiles, N, sizeof(Out)))}};
        Buffer<In> lhs = vs->view<In>(scratch, vb / sizeof(In), 3, a);
        Buffer<Out> out = vs->view<Out>(scratch, mb / sizeof(Out), 3, r);
        return tap_gemm(lhs, rhs_taps, out);
#else
        (void)scratch, (void)vb, (void)mb, (void)tiles;
        return -1;
#endif
    }

    // One tap's int8 weights (N, K) packed for the int8 GEMMs, with their column sums.
    // Where the plan's variant has amx_tiles=true: the tiles kernel and the taps for it.
    Status amx_tiles_if_planned(const OpContext &c, const Node &n, const LayerPlan &p, const std::string &serial) {
        if (p.kernel_variant.find("amx_tiles=true") == std::string::npos) return Status::ok();
        MOBIQ_RETURN_IF_ERROR(
            c.kernel(n, "amx=true,amx_tiles=true,requantize=false,weight_zero_point=false" + serial, &gemm_amx_tiles));
        return pack_taps_for_amx_tiles();
    }

    // The taps again, tile-packed for gemm_amx_tiles (mobiq/gemm_weights.h).
    Status pack_taps_for_amx_tiles() {
        for (const Buffer<int8_t> &b : rhs_i8) {
            std::vector<int8_t> tiles;
            MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_amx_tiles(b.data(), 4 * b.dim(2).extent(), b.dim(1).extent(), &tiles));
            Buffer<int8_t> t(1024, b.dim(2).extent() / 16, b.dim(1).extent() / 16);
            std::memcpy(t.data(), tiles.data(), tiles.size());
            rhs_amx_tiles.push_back(t);
        }
        return Status::ok();
    }

    Status add_tap_int8(const std::vector<int8_t> &w, int K, int cout) {
        PackedGemmInt8Weights packed;
        MOBIQ_RETURN_IF_ERROR(pack_gemm_int8_weights(w.data(), K, cout, nullptr, 0, &packed));
        Buffer<int8_t> b(4, cout, K / 4);
        std::memcpy(b.data(), packed.data.data(), packed.data.size());
        b.set_host_dirty();
        rhs_i8.push_back(b);
        colsum.push_back(int32_constant(packed.column_sum));
        return Status::ok();
    }
};

// V or M of a block as the transforms see it: (c, tx, ty, n, t), starting at its first tile.
void five_d(const Tiling &t, const Block &k, int c, int elem, halide_dimension_t d[5]) {
    d[0] = {0, c, 1};
    d[1] = {0, t.tx, c};
    d[2] = {k.ty0, k.rows, c * t.tx};
    d[3] = {k.img0, k.images, c * t.tx * k.rows};
    d[4] = {0, t.taps, static_cast<int32_t>(tap_stride(t, k.tiles(t), c, elem))};
}

// Tap `tap` of V or M as a GEMM operand / result: (c, tiles), at byte `base`
// of the scratch (on OpenCL a device crop of the scratch's allocation).
template <typename T>
Buffer<T> tap_matrix(Values &vs, Value &scratch, size_t base, const Tiling &t, int tiles, int c, int tap) {
    halide_dimension_t d[2] = {{0, c, 1}, {0, tiles, c}};
    return vs.view<T>(scratch, base / sizeof(T) + tap * tap_stride(t, tiles, c, sizeof(T)), 2, d);
}
template <typename T>
Buffer<T> five_d_view(Values &vs, Value &scratch, size_t base, const Tiling &t, const Block &k, int c) {
    halide_dimension_t d[5];
    five_d(t, k, c, sizeof(T), d);
    return vs.view<T>(scratch, base / sizeof(T), 5, d);
}

// fn(tap) for every tap: in order, or (LayerPlan::winograd_parallel_taps)
// one task per tap in parallel; the first error.
int for_each_tap(int taps, bool parallel, const std::function<int(int)> &fn) {
    if (!parallel) {
        for (int tap = 0; tap < taps; tap++)
            if (const int e = fn(tap)) return e;
        return 0;
    }
    auto task = [](void *, int tap, uint8_t *closure) {
        return (*reinterpret_cast<const std::function<int(int)> *>(closure))(tap);
    };
    return halide_do_par_for(nullptr, task, 0, taps, reinterpret_cast<uint8_t *>(const_cast<std::function<int(int)> *>(&fn)));
}

// Every tap's GEMM over the block's scratch: gemm(tap, A (C, tiles) of type In,
// result (N, tiles) of type Out), in order or the taps in parallel.
template <typename In, typename Out, typename Gemm>
int tap_gemms(PreparedWinograd &k, Value &scratch, size_t vb, size_t mb, int tiles, const Gemm &gemm) {
    if (k.batched) return k.batched_tap_gemm<In, Out>(scratch, vb, mb, tiles);
    return for_each_tap(k.t.taps, k.parallel_taps, [&](int tap) {
        Buffer<In> a = tap_matrix<In>(*k.vs, scratch, vb, k.t, tiles, k.C, tap);
        Buffer<Out> r = tap_matrix<Out>(*k.vs, scratch, mb, k.t, tiles, k.N, tap);
        return gemm(tap, a, r);
    });
}

// One block: input transform, the tap GEMMs, output transform, in the block's own scratch.
int PreparedWinograd::run_block(int b) {
    Values &v = *vs;
    const Block k = block_of(t, b);
    const int tiles = k.tiles(t);
    const size_t vb = b * bs.bytes, mb = vb + bs.v_bytes;
    Value &sc = v[si];
    double *ms = block_ms[b].data();
    ms[0] = ms[1] = ms[2] = 0;
    StageClock clock(ms);
    const int y0 = t.m * k.ty0, rows = std::min(t.m * k.rows, v[yi].h - y0);
    if (variant == "fp32") {
        Buffer<float> in = v.window<float>(v[xi], v[xi].border, v[xi].border, v[xi].w, v[xi].h, C);
        Buffer<float> vv = five_d_view<float>(v, sc, vb, t, k, C), mm = five_d_view<float>(v, sc, mb, t, k, N);
        if (const int e = input(in, 0, vv)) return e;
        clock.lap(0);
        const float inf = std::numeric_limits<float>::infinity();
        if (const int e = tap_gemms<float, float>(*this, sc, vb, mb, tiles, [&](int tap, Buffer<float> &a, Buffer<float> &r) {
                return gemm_f32(a, rhs_f32[tap], zero_f32, -inf, inf, r);
            }))
            return e;
        clock.lap(1);
        Buffer<float> out = v.interior<float>(v[yi]).cropped(3, k.img0, k.images).cropped(2, y0, rows);
        const int e = output_f32(mm, bias_f32, flo, fhi, out);
        clock.lap(2);
        return e;
    }
    Buffer<int8_t> in = v.window<int8_t>(v[xi], v[xi].border, v[xi].border, v[xi].w, v[xi].h, C);
    Buffer<int32_t> mm = five_d_view<int32_t>(v, sc, mb, t, k, N);
    auto gemm8 = [&](int tap, Buffer<int8_t> &a, Buffer<int32_t> &r) {
        if (gemm_amx_tiles && tiles >= 32)
            return gemm_amx_tiles(a, 0, rhs_amx_tiles[tap], colsum[tap], zero_i32, zero_i32, ch.mult, ch.shift, 0,
                                  -128, 127, r);
        return gemm_amx && tiles >= 16
                   ? gemm_amx(a, 0, rhs_i8[tap], colsum[tap], zero_i32, zero_i32, ch.mult, ch.shift, 0, -128, 127, r)
                   : gemm_i8(a, 0, rhs_i8[tap], colsum[tap], zero_i32, zero_i32, ch.mult, ch.shift, 0, -128, 127, r);
    };
    if (variant == "tapwise") {
        Buffer<int8_t> vv = five_d_view<int8_t>(v, sc, vb, t, k, C);
        if (const int e = input_tw(in, zx, tap_in, vv)) return e;
        clock.lap(0);
        if (const int e = tap_gemms<int8_t, int32_t>(*this, sc, vb, mb, tiles, gemm8)) return e;
        clock.lap(1);
        Buffer<int8_t> out = v.interior<int8_t>(v[yi]).cropped(3, k.img0, k.images).cropped(2, y0, rows);
        const int e = output_tw(mm, tap_out, bias_f32, zo, lo, hi, out);
        clock.lap(2);
        return e;
    }
    if (variant == "int16") {
        Buffer<int16_t> vv = five_d_view<int16_t>(v, sc, vb, t, k, C);
        if (const int e = input(in, zx, vv)) return e;
        clock.lap(0);
        if (const int e = tap_gemms<int16_t, int32_t>(*this, sc, vb, mb, tiles,
                                                       [&](int tap, Buffer<int16_t> &a, Buffer<int32_t> &r) {
                                                           return gemm_i16(a, rhs_i16[tap], zero_i32, r);
                                                       }))
            return e;
    } else {
        Buffer<int8_t> vv = five_d_view<int8_t>(v, sc, vb, t, k, C);
        if (const int e = input(in, zx, vv)) return e;
        clock.lap(0);
        if (const int e = tap_gemms<int8_t, int32_t>(*this, sc, vb, mb, tiles, gemm8)) return e;
    }
    clock.lap(1);
    Buffer<int8_t> out = v.interior<int8_t>(v[yi]).cropped(3, k.img0, k.images).cropped(2, y0, rows);
    const int e = output_int(mm, bias, ch.mult, ch.shift, zo, lo, hi, out);
    clock.lap(2);
    return e;
}

int block_task(void *, int b, uint8_t *closure) { return reinterpret_cast<PreparedWinograd *>(closure)->run_block(b); }

// The whole layer: one block with parallel kernels, or the blocks in parallel
// (serial kernels) on Halide's thread pool.
int PreparedWinograd::run() {
    const int e = t.block_rows ? halide_do_par_for(nullptr, block_task, 0, t.blocks(), reinterpret_cast<uint8_t *>(this))
                               : run_block(0);
    for (int s = 0; s < 3; s++) {
        stage_ms[s] = 0;
        for (const auto &b : block_ms) stage_ms[s] += b[s];
    }
    return e;
}

// The profile's stages: with blocks in parallel, the sums over blocks (thread time).
void report_stages(OpContext &c, PreparedWinograd *k) {
    const std::string sum = k->t.block_rows ? " (sum over " + std::to_string(k->t.blocks()) + " blocks)" : "";
    c.set_stages([k, sum](std::vector<std::pair<std::string, double>> *out) {
        *out = {{"input transform" + sum, k->stage_ms[0]},
                {"tap GEMMs" + sum, k->stage_ms[1]},
                {"output transform" + sum, k->stage_ms[2]}};
    });
}

class WinogradConvOperator final : public Operator {
public:
    Status validate(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        std::string why;
        if (p.method != ConvMethod::kWinograd || !winograd_applies(c.g, n, &why))
            return {StatusCode::kInternal, "layer '" + n.name + "': planned Winograd, but " +
                                               (why.empty() ? std::string("the method is not winograd") : why)};
        return Operator::validate(c, n, p);
    }

    OpNeeds needs(const OpContext &c, const Node &n, const LayerPlan &p) const override {
        const Value &x = c.values.at_tensor(n.inputs[0]);
        const Value &y = c.values.at_tensor(n.outputs[0]);
        const Tiling t = tiling_of(y, p, c.values.opencl());
        const BlockScratch b = block_scratch(t, x.c_alloc, y.c, v_elem_of(p.winograd));
        return {(b.bytes * t.blocks() + 3) / 4, 4};
    }

    Status prepare(const OpContext &c, const Node &n, const LayerPlan &p, std::unique_ptr<Prepared> *out) const override {
        auto k = std::make_unique<PreparedWinograd>();
        k->variant = p.winograd;
        k->m = p.winograd_tile;
        const std::string tile = "tile=" + std::to_string(k->m);
        // Blocks in parallel run the serial variants (one thread per call).
        const std::string serial = p.winograd_block_rows > 0 ? ",serial=true" : "";
        // The tap GEMMs are serial calls in blocks and where the taps run in parallel.
        const std::string gemm_serial = p.winograd_block_rows > 0 || p.winograd_parallel_taps ? ",serial=true" : "";
        k->parallel_taps = p.winograd_parallel_taps;
        const Value &x = c.values.at_tensor(n.inputs[0]);
        const int cout = c.values.at_tensor(n.outputs[0]).c, K = x.c_alloc;
        if (k->variant == "fp32") {
            const Tensor &wt = c.g.tensors[n.inputs[1]];
            const std::vector<float> u = winograd_weights_fp32(conv_weights_ohwi(wt).data(), cout, K, k->m);
            const int taps = (k->m + 2) * (k->m + 2);
            // All taps in one block (huge pages: mobiq/large_buffers.h), a buffer per tap over it.
            k->rhs_f32_storage.resize(size_t(taps) * cout * K);
            for (int t = 0; t < taps; t++) {
                std::vector<float> packed;
                MOBIQ_RETURN_IF_ERROR(pack_gemm_fp32_weights(u.data() + size_t(t) * cout * K, K, cout, &packed));
                float *tap = k->rhs_f32_storage.data() + size_t(t) * cout * K;
                std::memcpy(tap, packed.data(), packed.size() * sizeof(float));
                k->rhs_f32.push_back(Buffer<float>(tap, cout, K));
                k->rhs_f32.back().set_host_dirty();  // OpenCL: uploaded on first use
            }
            k->bias_f32 = Buffer<float>(cout);
            k->zero_f32 = Buffer<float>(cout);
            k->zero_f32.fill(0.0f);
            for (int o = 0; o < cout; o++) k->bias_f32(o) = n.inputs.size() > 2 ? c.g.tensors[n.inputs[2]].f32[o] : 0.0f;
            k->bias_f32.set_host_dirty();
            k->zero_f32.set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=float32," + tile + serial, &k->input));
            const bool core = p.kernel_variant.find("avx512_core=true") != std::string::npos;  // decision 48
            MOBIQ_RETURN_IF_ERROR(
                c.kernel(n, core ? "avx512_core=true,serial=true" : gemm_serial.empty() ? "" : "serial=true", &k->gemm_f32));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=float32," + tile + serial, &k->output_f32));
            MOBIQ_RETURN_IF_ERROR(k->batch_taps_if_planned(c, n, p));
            *out = std::move(k);
            return Status::ok();
        }
        const QuantizedNode &q = c.quantized(n);
        if (q.asymmetric_weights)
            return {StatusCode::kInternal, "layer '" + n.name + "': Winograd takes symmetric weights only"};
        MOBIQ_RETURN_IF_ERROR(prepare_channel_params(q, cout, &k->ch));
        k->zero_i32 = Buffer<int32_t>(cout);
        k->zero_i32.fill(0);
        k->zero_i32.set_host_dirty();
        std::vector<int32_t> bias = q.bias;
        // The direct weights, transformed in integers (int16, int6w4; int6w8 has its own).
        std::vector<int8_t> w;
        std::vector<int32_t> u;
        if (k->variant != "int6w8") {
            w = widen_channels(q.weights, q.weight_zero_point, cout, 9, x.c, K);
            u = winograd_f2x3_weights_int(w.data(), cout, K);
        }
        // The int8 tap GEMMs of int6w4 / int6w8: VNNI / sdot, or AMX where the plan chose it.
        auto int8_gemms = [&]() -> Status {
            if (p.kernel_variant.find("amx=true") != std::string::npos) {
#if defined(MOBIQ_CPU_FAMILY_X86)
                MOBIQ_RETURN_IF_ERROR(
                    c.kernel(n, "amx=true,requantize=false,weight_zero_point=false" + gemm_serial, &k->gemm_amx));
                MOBIQ_RETURN_IF_ERROR(k->amx_tiles_if_planned(c, n, p, gemm_serial));
                // AMX takes 16 rows and more: a block of fewer tiles runs on VNNI.
                return c.kernel(n, "requantize=false,weight_zero_point=false" + gemm_serial, &k->gemm_i8);
#else
                return {StatusCode::kInternal, "layer '" + n.name + "': AMX kernels exist on x86 builds only"};
#endif
            }
            return c.kernel(n, "requantize=false,weight_zero_point=false" + gemm_serial, &k->gemm_i8);
        };
        if (k->variant == "int16") {
            for (int t = 0; t < 16; t++) {
                Buffer<int16_t> b(2, cout, K / 2);  // (k % 2, n, k / 2)
                for (int o = 0; o < cout; o++)
                    for (int ch = 0; ch < K; ch++)
                        b(ch % 2, o, ch / 2) = static_cast<int16_t>(u[(size_t(t) * cout + o) * K + ch]);
                b.set_host_dirty();
                k->rhs_i16.push_back(b);
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=int16,tile=2" + serial, &k->input));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, gemm_serial.empty() ? "" : "serial=true", &k->gemm_i16));
        } else if (k->variant == "int6w4") {
            if (!q.winograd_int6w4)
                return {StatusCode::kInternal, "layer '" + n.name + "': not quantized for winograd-int6w4"};
            const int32_t zx = c.zero_point(n.inputs[0]);
            std::vector<int8_t> narrow(size_t(cout) * K);
            for (int t = 0; t < 16; t++) {
                for (size_t i = 0; i < narrow.size(); i++) {
                    const int32_t v = u[size_t(t) * cout * K + i];
                    if (v < -128 || v > 127)
                        return {StatusCode::kInternal, "layer '" + n.name + "': a transformed INT4 weight (" +
                                                           std::to_string(v) + ") does not fit int8"};
                    narrow[i] = static_cast<int8_t>(v);
                }
                MOBIQ_RETURN_IF_ERROR(k->add_tap_int8(narrow, K, cout));
            }
            // The input transform keeps the zero point (V of raw x): the bias takes z * sum g.
            for (int o = 0; o < cout; o++) {
                int64_t s = 0;
                for (int i = 0; i < 9 * K; i++) s += w[size_t(o) * 9 * K + i];
                bias[o] -= static_cast<int32_t>(zx * s);
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=int8,tile=2" + serial, &k->input));
            MOBIQ_RETURN_IF_ERROR(int8_gemms());
        } else if (k->variant == "int6w8") {
            if (!q.winograd_int6w8 || q.tap_weights.size() != size_t(16) * cout * x.c)
                return {StatusCode::kInternal, "layer '" + n.name + "': not quantized for winograd-int6w8"};
            const int32_t zx = c.zero_point(n.inputs[0]);
            std::vector<int8_t> narrow(size_t(cout) * K);
            for (int t = 0; t < 16; t++) {
                for (int o = 0; o < cout; o++)  // the stored channels beyond C get weight 0
                    for (int ch = 0; ch < K; ch++)
                        narrow[size_t(o) * K + ch] = ch < x.c ? q.tap_weights[(size_t(t) * cout + o) * x.c + ch] : 0;
                MOBIQ_RETURN_IF_ERROR(k->add_tap_int8(narrow, K, cout));
            }
            // V of raw x: its zero point adds 4z at tap 5 only (B^T 1 = (0, 2, 0, 0)), which
            // A^T . A spreads to every output: the bias takes 4z * sum_c U_5.
            for (int o = 0; o < cout; o++) {
                int64_t s = 0;
                for (int ch = 0; ch < x.c; ch++) s += q.tap_weights[(size_t(5) * cout + o) * x.c + ch];
                if (!winograd_int6w8_bias_fits(K, q.bias[o]))
                    return {StatusCode::kInternal, "layer '" + n.name + "': a bias too large for int6w8's int32 sums"};
                bias[o] = static_cast<int32_t>(static_cast<uint32_t>(q.bias[o]) - static_cast<uint32_t>(4 * zx * s));
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=int8,tile=2" + serial, &k->input));
            MOBIQ_RETURN_IF_ERROR(int8_gemms());
        } else if (k->variant == "tapwise") {
            const int taps = (k->m + 2) * (k->m + 2);
            if (q.winograd_tapwise != k->m || q.tap_weights.size() != size_t(taps) * cout * x.c)
                return {StatusCode::kInternal, "layer '" + n.name + "': not quantized for winograd-tapwise F(" +
                                                   std::to_string(k->m) + "x" + std::to_string(k->m) + ",3x3)"};
            std::vector<int8_t> narrow(size_t(cout) * K);
            for (int t = 0; t < taps; t++) {
                for (int o = 0; o < cout; o++)  // the stored channels beyond C get weight 0
                    for (int ch = 0; ch < K; ch++)
                        narrow[size_t(o) * K + ch] = ch < x.c ? q.tap_weights[(size_t(t) * cout + o) * x.c + ch] : 0;
                MOBIQ_RETURN_IF_ERROR(k->add_tap_int8(narrow, K, cout));
            }
            k->tap_in = Buffer<float>(taps);
            std::copy(q.tap_input_scale.begin(), q.tap_input_scale.end(), k->tap_in.data());
            k->tap_out = Buffer<float>(cout, taps);  // (c, t): tap_output_scale is (t, N)
            std::copy(q.tap_output_scale.begin(), q.tap_output_scale.end(), k->tap_out.data());
            k->bias_f32 = Buffer<float>(cout);
            std::copy(q.tap_bias.begin(), q.tap_bias.end(), k->bias_f32.data());
            for (auto *b : {&k->tap_in, &k->tap_out, &k->bias_f32}) b->set_host_dirty();
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=tapwise," + tile + serial, &k->input_tw));
            if (p.kernel_variant.find("amx=true") != std::string::npos) {
#if defined(MOBIQ_CPU_FAMILY_X86)
                MOBIQ_RETURN_IF_ERROR(
                    c.kernel(n, "amx=true,requantize=false,weight_zero_point=false" + gemm_serial, &k->gemm_amx));
                MOBIQ_RETURN_IF_ERROR(k->amx_tiles_if_planned(c, n, p, gemm_serial));
#endif
            }
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "requantize=false,weight_zero_point=false" + gemm_serial, &k->gemm_i8));
            MOBIQ_RETURN_IF_ERROR(c.kernel(n, "domain=tapwise," + tile + serial, &k->output_tw));
            MOBIQ_RETURN_IF_ERROR(k->batch_taps_if_planned(c, n, p));
            *out = std::move(k);
            return Status::ok();
        } else {
            return {StatusCode::kUnsupported, "layer '" + n.name + "': Winograd variant '" + k->variant +
                                                  "' has no session path"};
        }
        k->bias = int32_constant(bias);
        std::string out_params = "domain=int,tile=2" + serial;
        if (k->variant == "int6w8") out_params += ",weight_transform=float";
        if (c.qg->requantization == RequantizationMode::kFp32) out_params += ",requantization=fp32";
        MOBIQ_RETURN_IF_ERROR(c.kernel(n, out_params, &k->output_int));
        MOBIQ_RETURN_IF_ERROR(k->batch_taps_if_planned(c, n, p));
        *out = std::move(k);
        return Status::ok();
    }

    Status emit(OpContext &c, const Node &n, const LayerPlan &p, Prepared *prepared) const override {
        PreparedWinograd *k = static_cast<PreparedWinograd *>(prepared);
        Values &vs = c.values;
        k->vs = &vs;
        k->xi = c.value(n.inputs[0]);
        k->yi = c.value(n.outputs[0]);
        k->si = c.scratch;
        k->C = vs[k->xi].c_alloc;
        k->N = vs[k->yi].c;
        k->t = tiling_of(vs[k->yi], p, vs.opencl());
        k->bs = block_scratch(k->t, k->C, k->N, v_elem_of(k->variant));
        k->block_ms.assign(k->t.blocks(), {0, 0, 0});
        if (k->variant == "fp32") {
            k->flo = n.clamp_min;
            k->fhi = n.clamp_max;
        } else {
            const QuantizedNode &q = c.quantized(n);
            k->zx = c.zero_point(n.inputs[0]);
            k->zo = c.zero_point(n.outputs[0]);
            k->lo = q.output_min;
            k->hi = q.output_max;
        }
        const KernelRow *gemm =
#if defined(MOBIQ_HAVE_OPENCL)
                                k->batched    ? k->tap_gemm.row :
#endif
                                k->gemm_f32   ? k->gemm_f32.row
                                : k->gemm_i16 ? k->gemm_i16.row
                                : k->gemm_amx_tiles ? k->gemm_amx_tiles.row
                                : k->gemm_amx ? k->gemm_amx.row
                                              : k->gemm_i8.row;
        const KernelRow *output = k->output_f32 ? k->output_f32.row : k->output_tw ? k->output_tw.row : k->output_int.row;
        const KernelRow *input = k->input_tw ? k->input_tw.row : k->input.row;
        std::string name = std::string(input->name) + "+" + gemm->name +
                           (k->batched ? "" : " x" + std::to_string(k->t.taps)) + "+" + output->name;
        if (k->t.block_rows) name += " (" + std::to_string(k->t.blocks()) + " blocks)";
        if (k->parallel_taps) name += " (taps in parallel)";
        c.add_step(name, [k]() { return k->run(); });
        // OpenCL: the stage clocks would time the enqueueing only (the kernels run
        // asynchronously), so the profile gives the layer's time alone there.
        if (!vs.opencl()) report_stages(c, k);
        return Status::ok();
    }
};

}  // namespace

const Operator *winograd_conv_operator() {
    static const WinogradConvOperator op;
    return &op;
}

}  // namespace mobiq
