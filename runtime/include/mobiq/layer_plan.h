// One plan per graph node: how the node runs (method, numeric variant, kernel
// variant) and, derived from every node's plan, how its input is laid out.
// Decided in exactly one function, plan_layers() (runtime/plan/layer_plan.cpp),
// from the graph, the options and an optional tuning file (mobiq/tuning.h);
// operators and the executor read plans and never re-decide them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mobiq/graph.h"
#include "mobiq/status.h"

namespace mobiq {

struct CompileOptions;
struct TuningFile;

// How a (group 1) convolution runs.
enum class ConvMethod {
    kNone,        // not a convolution
    kGemm,        // 1x1, stride 1, no padding: the input is the GEMM's (K, M) operand
    kIm2colGemm,  // im2col into a scratch (K, M) operand, then the GEMM (the paper's method)
    kImplicit,    // implicit GEMM / direct: reads the padded input in place, no im2col buffer
    kWinograd,    // Winograd F(m x m, 3 x 3): input transform, one GEMM per tap, output transform
};
const char *conv_method_name(ConvMethod m);  // "gemm", "im2col_gemm", "implicit", "winograd", "-"
// "gemm" | "im2col_gemm" | "implicit" | "winograd"; false for anything else.
bool parse_conv_method(std::string_view name, ConvMethod *m);

struct LayerPlan {
    std::string node;          // the node's name
    std::string op;            // the operator: conv, depthwise, fully_connected, batch_norm, pool, ...
    ConvMethod method = ConvMethod::kNone;
    std::string numeric;       // numeric variant: "fp32", or "int8" (exact against the scalar reference)
    std::string kernel_variant;  // registry parameters beyond the op's base variant ("arm_dot=true",
                                 // "requantization=fp32"); "" = base
    std::string source;        // why: "--conv gemm", "auto: ...", "tuning file (0.31 ms on ...)"
    std::string key;           // the layer's tuning key (convolutions), mobiq/tuning.h
    // Layout, derived from the plans:
    bool padded_input = false;  // reads input 0 inside its padding (implicit conv, depthwise)
    int input_border = 0;       // the border (pixels) it reads around input 0 (CPU: the value keeps one)
    bool dense_input = false;   // reads input 0 as one (K, M) matrix
    bool row_by_row = false;    // a GEMM writing an output with a border: one GEMM per output row
    // A GEMM whose output has a border (for its reader): it writes a dense
    // scratch, copied row by row into the output's interior (INT8 AMX GEMMs;
    // FP32 1x1 layers of at most 14 x 14 outputs, decision 46).
    bool dense_scratch_output = false;
    // Fully connected, INT8 on the CPU, batch < 4, N % 256 == 0: weights in
    // 256-column chunks, one serial matrix-vector call per chunk, the calls in
    // parallel (each streams contiguous weights; kernel variant serial=true).
    bool column_chunks = false;
    // FP32 convolution GEMMs on the CPU with N % 64 == 0: the weights packed in
    // panels of 64 columns (each contiguous over K), one serial GEMM call per
    // panel, the calls in parallel (kernel variant serial=true).
    bool column_panels = false;
    // Winograd (method kWinograd): the variant ("fp32", "int16", "int6w4",
    // "int6w8", "tapwise") and m of F(m x m, 3 x 3); it reads its input unpadded.
    std::string winograd;
    int winograd_tile = 0;
    // > 0: blocks of this many tile rows (of one image) run in parallel, each
    // through the three stages while its transforms stay in cache (serial
    // kernels); 0: the whole layer at once, the kernels parallel inside.
    int winograd_block_rows = 0;
    // Winograd on the whole layer (no blocks), CPU: the tap GEMMs run as
    // serial calls, one tap per task, the taps in parallel (kernel variant
    // serial=true for the GEMMs only).
    bool winograd_parallel_taps = false;
    // Winograd on a GPU (OpenCL): every tap's GEMM in one launch
    // (winograd_tap_gemm), not one launch per tap.
    bool winograd_batched_taps = false;
    // A residual Add (+ ReLU) fused into this convolution's epilogue: the Add
    // node's index here, and this node's index in the Add's plan (op "fused",
    // no step of its own).
    int fused_add = -1;
    int fused_into = -1;
};

// What plan_layers needs besides the graph and the options.
struct PlanTarget {
    std::string device;  // "cpu" or "opencl"
    std::string family;  // the kernel registry's family: x86, arm64, gpu, mali_g52, ...
    bool int8 = false;
    std::string scheme;  // INT8: the quantization scheme's name (tuning keys), "" for FP32
    bool arm_dot = false;  // the device has a native int8 dot product (Mali G52 / G76)
    bool amx = false;      // x86 AMX-INT8 is usable (mobiq/cpu_level.h) and the options allow it
    bool amx_tiles = false;  // with amx: the 2 x 2-tile core (amx_tiles=true) where the GEMM has >= 32 rows
    bool amx_implicit = false;  // with amx_tiles: the AMX implicit conv where it takes a layer (decision 37)
    bool avx512 = false;   // x86: the AVX-512-only rows can run (mobiq/cpu_level.h avx512_usable)
    // x86 VNNI: INT8 GEMMs on gemm_int8_u8w (weights + 128; decision 53): 0 no,
    // 1 Halide's 4 x 4 block (u8w_halide=true, K % 64 == 0), 2 the extern 7 x 3 core.
    int u8_weights = 0;
    // x86 whose INT8 kernels run without VNNI (AVX2 / SSE4.1), the scheme's
    // weights 7-bit: the INT8 GEMMs on the weights7 rows (pmaddubsw; decision 55).
    bool weights7 = false;
    bool fp32_requantization = false;  // INT8 with RequantizationMode::kFp32: kernels with requantization=fp32
    long l2_bytes = 1L << 20;  // CPU: one core's L2 (mobiq/cpu_level.h), for blocking decisions
    long l1_bytes = 32L << 10;  // CPU: one core's L1 data cache, likewise
};

// Whether Winograd F(m x m, 3 x 3) computes convolution `n`: group 1, 3 x 3,
// stride 1, padding 1 on every side, at least 16 input channels (ResNet50's
// and VGG16's 3 x 3 layers but VGG16's first: with 3 channels the transforms
// cost more than the multiplications saved, 10x slower, docs/winograd.md);
// if not, `why` says what it lacks.
bool winograd_applies(const Graph &g, const Node &n, std::string *why = nullptr);

// winograd-int6w8's int32 bound (docs/arithmetic.md, "int6w8"): its
// accumulator A^T M A + bias, at most 756 * 127 per input channel (756: the
// largest sum of |B^T (x - z) B| over an output's 9 taps, INT6 x and z), fits
// int32 for at most this many stored input channels (a multiple of 4); the
// quantizer leaves wider layers INT8 and the plan says why.
constexpr int64_t kWinogradInt6w8MaxChannels = 22364;
// Per output channel, with its bias: 756 * 127 * K + |bias| < 2^31.
bool winograd_int6w8_bias_fits(int64_t stored_channels, int64_t bias);

// The plan of every node of `g` (parallel to g.nodes); `asym_weights` (INT8,
// per node) says which nodes' weights have zero points, `int6w4_nodes` which
// convolutions the quantizer gave INT6 inputs and INT4 weights (winograd-int6w4),
// `tapwise_nodes` which it quantized per Winograd tap (m of F(m x m, 3 x 3), or 0):
// those run winograd-tapwise whatever the options say (nothing else computes them);
// likewise `int6w8_nodes` (weights transformed in float, winograd-int6w8). A tuning entry that
// names a method or kernel variant the layer cannot run is an error naming
// the layer, and so is a tuning file with no entry for this model.
Status plan_layers(const Graph &g, const CompileOptions &options, const PlanTarget &target,
                   const TuningFile *tuning, std::vector<LayerPlan> *plans,
                   const std::vector<bool> *asym_weights = nullptr,
                   const std::vector<bool> *int6w4_nodes = nullptr,
                   const std::vector<int> *tapwise_nodes = nullptr,
                   const std::vector<bool> *int6w8_nodes = nullptr);

}  // namespace mobiq
