// A graph compiled for one device with one set of options: the passes, the
// choice of kernel per layer, packed weights, the activation arena; then run
// as many times as wanted (docs/runtime.md). The C API (mobiq.h) wraps this.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "mobiq/graph.h"
#include "mobiq/layer_plan.h"
#include "mobiq/quantize.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/status.h"

namespace mobiq {

enum class Device { kCpu, kOpenCL };
enum class Precision { kFp32, kInt8 };
// The conv method for every layer the tuning file does not name:
// kAuto: the default rule (docs/runtime.md, "Conv methods"); kGemm: 1x1 as a
// GEMM, the others im2col + GEMM; kImplicit: the implicit / direct kernels.
// kWinograd*: Winograd F(m x m, 3 x 3) on every convolution it applies to
// (winograd_applies, mobiq/layer_plan.h), auto elsewhere (docs/winograd.md):
// fp32 with FP32 sessions, the others INT8: int16 (exact), int6w4 (the
// paper's INT6 activations / INT4 weights, exact on those operands),
// tapwise (quantized per Winograd tap; lossy) and int6w8 (INT6 activations,
// weights transformed in float then int8 per output channel; lossy, its own
// reference).
// kAuto: the plan's rule per layer (docs/runtime.md, "Conv methods"), which
// on FP32 CPU sessions includes Winograd where its tap GEMMs have enough rows
// (decision 41); kAutoNoWinograd: the same rule without Winograd.
enum class ConvAlgorithm {
    kAuto, kGemm, kImplicit, kWinogradFp32, kWinogradInt16, kWinogradInt6w4, kWinogradTapwise, kWinogradInt6w8,
    kAutoNoWinograd
};
// "auto", "gemm", "implicit", "winograd-fp32", ...; and back (false if unknown).
const char *conv_algorithm_name(ConvAlgorithm a);
bool parse_conv_algorithm(const std::string &name, ConvAlgorithm *a);

struct TuningFile;

struct CompileOptions {
    Device device = Device::kCpu;
    std::string opencl_family = "gpu";  // OpenCL kernels: gpu, mali_g52, mali_g72, mali_g76
    Precision precision = Precision::kFp32;
    ConvAlgorithm conv = ConvAlgorithm::kAuto;
    int winograd_tile = 2;  // m of F(m x m, 3 x 3): 2, or 4 (winograd-fp32 and winograd-tapwise)
    bool fold_batch_norm = true;
    int threads = 0;  // 0: OpenMP's default (every core, or OMP_NUM_THREADS); process-wide
    // Per-layer choices measured by `mobiq tune` (mobiq/tuning.h): a file, or
    // one already read (it takes precedence; it must outlive compilation).
    std::string tuning_path;
    const TuningFile *tuning = nullptr;
    // Kernel variants whose contract is lossy (docs/arithmetic.md) may be chosen.
    bool allow_lossy = false;
    // A residual Add (+ ReLU) runs in the epilogue of the convolution that
    // produces one of its inputs (exactly as the two ops; docs/runtime.md).
    bool fuse_residual_add = true;
    // x86: INT8 GEMMs on Intel AMX where the CPU and the OS allow it.
    bool use_amx = true;
    // With use_amx: the 2 x 2-tile AMX core (tile-packed weights, decision 33)
    // where a GEMM has >= 32 rows; false: Halide's one-tile AMX kernel everywhere.
    bool use_amx_tiles = true;
    // With use_amx_tiles: stride-1 convolutions with C % 64 == 0 on the AMX
    // implicit conv (decision 37); false: im2col + the AMX GEMM (for comparison).
    bool use_amx_implicit = true;
    // x86 with AVX-512 VNNI: the INT8 GEMMs AMX does not take with the weights
    // as vpdpbusd's unsigned operand (gemm_int8_u8w, decision 53): 1 in
    // Halide's 4 x 4 block (layers with K % 64 == 0, CPUs with the Zen 4
    // feature set), 2 in the extern 7 x 3 core, 0 off, -1 the plan's choice
    // per CPU (off on every CPU so far).
    int u8_weights = -1;
    // x86 with 7-bit weights (scheme.weight_bits == 7): the weights7 kernels
    // (pmaddubsw pair sums, decision 55): -1 where the CPU's INT8 kernels run
    // without VNNI, 1 on any x86 CPU (their AVX2 / SSE4.1 code; tests,
    // comparisons), 0 off.
    int weights7_kernels = -1;
    // INT8: the scheme, and calibration samples (calibration_count inputs of
    // the model's input shape, NCHW, back to back).
    QuantScheme scheme;
    const float *calibration_data = nullptr;
    size_t calibration_count = 0;
};

// One executed layer (a kernel call, or a few for one op).
struct LayerInfo {
    std::string name;     // the graph node's name
    std::string op;       // ONNX op (after fusion: "Conv+Relu", ...)
    std::string variant;  // the kernel(s) it calls, e.g. "conv2d_int8_implicit_x86", "im2col_fp32_x86+gemm_fp32_x86"
    std::string method;   // convolutions: gemm, im2col_gemm or implicit ("-" for other ops)
    std::string plan;     // why the plan chose it: "auto: ...", "--conv gemm", "tuning file (...)"
    double macs = 0;
    double ms = 0;        // last profiled run
    // A layer run as a few kernels (Winograd: input transform, tap GEMMs,
    // output transform): the time of each in the last profiled run.
    std::vector<std::pair<std::string, double>> stages;
};

class Session {
public:
    virtual ~Session() = default;

    // FP32 or INT8 (options.precision); INT8 calibrates and quantizes first.
    static Status create(const Graph &graph, const CompileOptions &options, std::unique_ptr<Session> *session);
    // INT8 from an already quantized graph (the one build_quantized_graph gives).
    static Status create_quantized(const QuantizedGraph &graph, const CompileOptions &options,
                                   std::unique_ptr<Session> *session);

    virtual const std::vector<int64_t> &input_shape() const = 0;   // NCHW
    virtual const std::vector<int64_t> &output_shape() const = 0;
    // `input` holds input_shape's elements (float32, NCHW), `output` output_shape's.
    virtual Status run(const float *input, size_t input_elements, float *output, size_t output_elements,
                       bool profile = false) = 0;
    // Runs once, handing the input and every step's output to `observe` as it
    // is computed: the tensor's name and its values, dequantized in INT8
    // sessions, in the session's own order (NHWC), which is the same for the
    // FP32 and INT8 sessions of one graph. CPU sessions only. For analysis
    // (per-layer SQNR), not speed: each value is copied.
    using TensorObserver = std::function<void(const std::string &tensor, const std::vector<float> &values)>;
    virtual Status run_with_observer(const float *input, size_t input_elements, const TensorObserver &observe) = 0;
    virtual const std::vector<LayerInfo> &layers() const = 0;
    // The plan of every node of the compiled graph (mobiq/layer_plan.h).
    virtual const std::vector<LayerPlan> &plans() const = 0;
    // The activation arena (liveness-planned) and what the tensors would take unshared.
    virtual size_t arena_bytes() const = 0;
    virtual size_t unshared_activation_bytes() const = 0;
};

// The INT8 pipeline up to the kernels: the passes (per options), calibration
// on the FP32 graph over options' samples (with progress on stderr when
// `progress`), and the quantizer.
Status build_quantized_graph(const Graph &graph, const CompileOptions &options, QuantizedGraph *out,
                             bool progress = false);

}  // namespace mobiq
