// plan_layers(): the one place that decides how each node runs (mobiq/layer_plan.h).
// Order: each node's method from a tuning entry, else --conv, else the auto
// rule; then the layout every plan implies (padding read, dense reads); then
// the fix-ups auto allows itself where a layout makes its first choice worse.
#include <algorithm>
#include <cstdio>
#include <map>

#include "mobiq/kernel_registry.h"
#include "mobiq/session.h"
#include "mobiq/tuning.h"

namespace mobiq {
namespace {

bool is_pointwise(const Node &n) {
    return n.kernel_h == 1 && n.kernel_w == 1 && n.stride_h == 1 && n.stride_w == 1 && !n.pad_top && !n.pad_left &&
           !n.pad_bottom && !n.pad_right;
}

int max_pad(const Node &n) { return std::max({n.pad_top, n.pad_left, n.pad_bottom, n.pad_right}); }

const char *operator_of(const Node &n) {
    switch (n.op) {
        case OpType::kConv: return n.group > 1 ? "depthwise" : "conv";
        case OpType::kGemm: return "fully_connected";
        case OpType::kBatchNormalization: return "batch_norm";
        case OpType::kRelu:
        case OpType::kClip: return "clamp";
        case OpType::kMaxPool:
        case OpType::kAveragePool: return "pool";
        case OpType::kGlobalAveragePool: return "global_pool";
        case OpType::kAdd: return "add";
        case OpType::kFlatten: return "flatten";
        case OpType::kSoftmax: return "softmax";
    }
    return "?";
}

// Whether the AMX GEMM takes this convolution's GEMM (K % 64, N % 16, M >= 16).
bool amx_shape(const Graph &g, const Node &n) {
    const Tensor &x = g.tensors[n.inputs[0]], &y = g.tensors[n.outputs[0]];
    const int64_t k = (x.shape[1] + 3) / 4 * 4 * n.kernel_h * n.kernel_w;
    return k % 64 == 0 && y.shape[1] % 16 == 0 && y.shape[0] * y.shape[2] * y.shape[3] >= 16;
}

// The kernel variant parameters of an AMX GEMM: the 2 x 2-tile core or Halide's one-tile kernel.
const char *amx_params(bool tiles) { return tiles ? "amx=true,amx_tiles=true" : "amx=true"; }

// Whether the AMX implicit conv takes this convolution (conv2d_int8_implicit
// amx_tiles: stride 1, C % 64 == 0, C_out % 16 == 0; decision 37).
bool amx_implicit_shape(const Graph &g, const Node &n) {
    const Tensor &x = g.tensors[n.inputs[0]], &y = g.tensors[n.outputs[0]];
    return n.stride_h == 1 && n.stride_w == 1 && x.shape[1] % 64 == 0 && y.shape[1] % 16 == 0;
}

// Whether the kernel-row form of the AMX implicit conv (amx_kernel_rows: any
// stride, a call per output row; docs/runtime.md "Intel AMX") takes it and is
// worth it:
//  - the stems: a kernel row of KW * C stored bytes <= 64 (3 channels stored
//    as 4) and a receptive field of >= 64 stored bytes. ResNet50's 7 x 7
//    stride-2 conv1 (196 bytes) 0.418 -> 0.257 ms; the 3 x 3 stems (36
//    bytes: VGG16 conv1_1, MobileNet-v1 conv0) measured level or slower than
//    VNNI, whose accumulators stay in registers where AMX stores and reloads
//    them;
//  - strided spatial layers with C % 64 == 0 (kernel rows of whole 64-byte
//    tiles) and output rows of >= 14 pixels: ResNet50 layer2.0.conv2 (28
//    pixels) 0.116 -> 0.074-0.078 ms, layer3.0.conv2 (14) 0.107-0.111 ->
//    0.101-0.102 ms against im2col + the AMX GEMM; at 7 pixels
//    (layer4.0.conv2) 0.114-0.130 -> 0.118-0.143 ms, so that one stays on
//    im2col + the GEMM over all 49 rows.
bool amx_kernel_rows_shape(const Graph &g, const Node &n) {
    const Tensor &x = g.tensors[n.inputs[0]], &y = g.tensors[n.outputs[0]];
    if (y.shape[1] % 16 != 0) return false;
    const int64_t row_bytes = (x.shape[1] + 3) / 4 * 4 * n.kernel_w;
    if (row_bytes <= 64) return row_bytes * n.kernel_h >= 64;
    return n.stride_w > 1 && n.kernel_w > 1 && x.shape[1] % 64 == 0 && y.shape[3] >= 14;
}

// FP32 pointwise GEMMs with a padded output run through a dense scratch up to
// this many output pixels (decision 46).
constexpr int64_t kFp32DenseScratchPixels = 14 * 14;

// The rows of a convolution's GEMM: its output pixels (N * H * W).
int64_t output_pixels(const Graph &g, const Node &n) {
    const Tensor &y = g.tensors[n.outputs[0]];
    return y.shape[0] * y.shape[2] * y.shape[3];
}

// Whether the GEMM has the >= 32 rows of the 2 x 2-tile AMX core (amx_tiles).
bool amx_tiles_shape(const Graph &g, const Node &n) { return output_pixels(g, n) >= 32; }

// The default rule of --conv auto (docs/runtime.md, "Conv methods").
ConvMethod auto_method(const Graph &g, const Node &n, const PlanTarget &t, bool asym, std::string *why) {
    if (is_pointwise(n) && !(t.device == "opencl" && !t.int8)) {
        *why = "auto: 1x1 stride 1 is a GEMM";
        return ConvMethod::kGemm;
    }
    if (t.device == "opencl") {
        // From whole networks on the H100 (docs/networks.md): FP32 runs the
        // direct kernel everywhere (1x1 layers too); INT8 the implicit kernel
        // on spatial layers and the GEMM on 1x1 layers.
        *why = "auto: OpenCL runs spatial convolutions implicit";
        return ConvMethod::kImplicit;
    }
    // CPU with AMX, INT8: the AMX implicit conv where it takes the layer (no
    // im2col: decision 37), else im2col + the AMX GEMM wherever the AMX kernel
    // takes the shape (whole networks on an Intel Xeon, docs/runtime.md "Intel
    // AMX": VGG16 0.67x, ResNet50 0.95x the implicit kernel's plan).
    if (t.amx_implicit && t.int8 && !asym && amx_implicit_shape(g, n)) {
        *why = "auto: AMX implicit (stride 1, C % 64 == 0)";
        return ConvMethod::kImplicit;
    }
    if (t.amx_implicit && t.int8 && !asym && n.stride_w > 1 && amx_kernel_rows_shape(g, n)) {
        *why = "auto: strided, AMX by kernel rows takes it (no im2col)";
        return ConvMethod::kImplicit;
    }
    if (t.amx && t.int8 && !asym && amx_shape(g, n)) {
        *why = "auto: AMX takes the shape, so im2col + AMX GEMM";
        return ConvMethod::kIm2colGemm;
    }
    // CPU, from docs/results/layers_x86.md (FP32, 2 threads, Zen 4): the
    // direct kernel wins on large images (28 x 28 outputs and up) and on few
    // input channels, im2col + GEMM on the smaller, deeper layers. INT8
    // follows the same rule (implicit against im2col + GEMM).
    const Tensor &out = g.tensors[n.outputs[0]];
    const Tensor &w = g.tensors[n.inputs[1]];
    // FP32 with its GEMM in 64-column panels (column_panels): im2col + GEMM also
    // wins on large images with >= 256 input channels (Intel Xeon, 2 threads,
    // whole VGG16: conv3_2 30.0 -> 13.1 ms, conv4_2 41.2 -> 12.9 ms).
    if (!t.int8 && t.device == "cpu" && w.shape[1] >= 256) {
        *why = "auto: FP32 with >= 256 input channels runs im2col + GEMM";
        return ConvMethod::kIm2colGemm;
    }
    // INT8 on AVX-512: the implicit kernel's blocks of 2 x 2 pixels where
    // blocks of 4 would recompute pixels but 2 x 2 compute none twice (14 x 14
    // outputs; schedules/common/cpu_conv.h, symmetric weights, >= 64 output
    // channels), on weights that pass the L2 (the kernel then runs in 64-channel
    // panels): VGG16 conv5_x 1.21-1.25 -> 1.08-1.14 ms against im2col + GEMM
    // (Zen 4, 2 threads; docs/results/int8_implicit_2x2_x86_zen4_2026-12-07.md).
    // Not on ResNet50's layer3 3 x 3 (0.59 MB): 3 % faster there, but the 1x1
    // layers before them then write padded outputs (implicit, 12 % slower).
    if (t.int8 && t.device == "cpu" && t.avx512 && !asym && out.shape[3] % 4 != 0 && out.shape[3] % 2 == 0 &&
        out.shape[2] % 2 == 0 && out.shape[1] >= 64 &&
        w.shape[0] * w.shape[1] * w.shape[2] * w.shape[3] >= t.l2_bytes) {
        *why = "auto: INT8 AVX-512, 2 x 2-pixel blocks fit the output, weights pass the L2 (implicit)";
        return ConvMethod::kImplicit;
    }
    if (out.shape[2] * out.shape[3] >= 28 * 28 || w.shape[1] < 16) {
        *why = "auto: >= 28x28 outputs or < 16 input channels run implicit";
        return ConvMethod::kImplicit;
    }
    *why = "auto: < 28x28 outputs run im2col + GEMM";
    return ConvMethod::kIm2colGemm;
}

// The AVX-512 core (gemm_fp32 avx512_core, decision 48) on panels of at most
// this many rows (ResNet50's layer3 / layer4, MobileNet-v1's 14 x 14 / 7 x 7):
// 1.02-1.38x Halide's loop there; on more rows, in blocks of 48, 0.68-0.97x
// (layer_bench, one call per layer, Intel Xeon model 167).
constexpr int64_t kFp32Avx512CoreMaxRows = 256;
bool fp32_avx512_core(const Graph &g, const Node &n, const PlanTarget &t, int64_t rows = -1) {
    return t.avx512 && (rows < 0 ? output_pixels(g, n) : rows) <= kFp32Avx512CoreMaxRows &&
           g.tensors[n.outputs[0]].shape[1] % 16 == 0 &&
           find_kernel_row("gemm_fp32", t.family, "avx512_core=true,serial=true") != nullptr;
}

// An FP32 GEMM in 64-column panels with few rows and a deep K sums K in chunks
// whose piece of the panel (chunk x 64 floats) stays in L1 across the row
// strips (gemm_fp32 k_block, decision 42): the largest of 128 / 64 whose piece
// fills at most 2/3 of the L1, where M <= 256 and K >= 1024 (below that K the
// chunks measured level or slower). 0: sweep all of K per register block.
int fp32_panel_k_block(const Graph &g, const Node &n, const LayerPlan &p, const PlanTarget &t) {
    const std::vector<int64_t> &w = g.tensors[n.inputs[1]].shape;
    const int64_t K = w[1] * w[2] * w[3];
    if (p.method == ConvMethod::kImplicit || p.fused_add >= 0 || output_pixels(g, n) > 256 || K < 1024) return 0;
    for (int k_block : {128, 64})
        if (3 * k_block * 64 * 4 <= 2 * t.l1_bytes &&
            find_kernel_row("gemm_fp32", t.family, "k_block=" + std::to_string(k_block) + ",serial=true") != nullptr)
            return k_block;
    return 0;
}

// The m x m output tiles of a Winograd F(m x m, 3 x 3) layer: the rows of its tap GEMMs.
int64_t winograd_tiles(const Graph &g, const Node &n, int64_t m) {
    const Tensor &y = g.tensors[n.outputs[0]];
    return y.shape[0] * ((y.shape[2] + m - 1) / m) * ((y.shape[3] + m - 1) / m);
}

// FP32 --conv auto on the CPU: m of the Winograd F(m x m, 3 x 3) a layer
// runs (0: none). Each of the (m + 2)^2 tap GEMMs has one row per output
// tile; with few rows it streams its transformed weights (1.8x the layer's
// for m = 2, 4x for m = 4) for little work and loses to the direct / im2col
// kernels (ResNet50 layer4, 7 x 7: F(2,3) 1.5x, F(4,3) 1.7x their time). So the
// largest m with at least kMinTiles tiles. ResNet50 (Intel Xeon model 167, 2
// threads, per layer in the network): 56 x 56 F(4,3) 0.63x, 28 x 28 F(2,3)
// or F(4,3) 0.70x, 14 x 14 F(2,3) 0.80x (F(4,3), 16 tiles, 1.2x); decision 41.
int fp32_auto_winograd_tile(const Graph &g, const Node &n) {
    constexpr int64_t kMinTiles = 32;
    for (int m : {4, 2})
        if (winograd_tiles(g, n, m) >= kMinTiles) return m;
    return 0;
}

// FP32 --conv auto on OpenCL, family gpu (desktop GPUs; measured on an NVIDIA
// H100, docs/winograd.md "The taps in one launch"): m of the Winograd F(m x m,
// 3 x 3) a layer runs with the taps' GEMMs in one launch. Whole networks with
// every such layer on Winograd: ResNet50 F(2,3) 7.51 / F(4,3) 7.74 ms, VGG16
// 5.60 / 5.53, against 10.66 / 11.05 on the direct kernel. Per layer in those
// runs (one profiled run each) F(2,3) beat the direct kernel on every layer
// but VGG16's conv1_2 / conv2_1, and F(4,3) beat F(2,3) on the 224 x 224 /
// 112 x 112 ones (conv1_2 0.35 -> 0.24 ms, conv2_x 0.21-0.39 -> 0.15-0.18):
// F(4,3) from 112 x 112 outputs up.
// The Mali families keep the direct kernel: unmeasured there (no device).
int gpu_auto_winograd_tile(const Graph &g, const Node &n) {
    const Tensor &y = g.tensors[n.outputs[0]];
    return y.shape[2] >= 112 && y.shape[3] >= 112 ? 4 : 2;
}

// INT8 --conv auto on OpenCL, family gpu: the exact winograd-int16 F(2,3)
// where it beat the implicit kernel in the NVIDIA H100 profiles
// (docs/winograd.md, "Auto on the gpu family, whole networks"): >= 128 input channels and
// either >= 400 M MACs (VGG16 from conv2_2: 1.2-2.9x) or outputs of at most
// 7 x 7 (ResNet50's layer4, where the implicit kernel has few work-groups:
// 2.1x). Not ResNet50's layer1 (64 channels: 0.53x), layer3 (14 x 14, 115 M
// MACs: 0.87x) or layer2 (level).
bool gpu_auto_int16_winograd(const Graph &g, const Node &n) {
    const Tensor &y = g.tensors[n.outputs[0]];
    const std::vector<int64_t> &w = g.tensors[n.inputs[1]].shape;
    const int64_t macs = y.shape[0] * y.shape[1] * y.shape[2] * y.shape[3] * w[1] * w[2] * w[3];
    return w[1] >= 128 && (macs >= 400'000'000 || (y.shape[2] <= 7 && y.shape[3] <= 7));
}

// The Winograd variant a --conv option asks for ("" for the others).
std::string winograd_variant(ConvAlgorithm a) {
    switch (a) {
        case ConvAlgorithm::kWinogradFp32: return "fp32";
        case ConvAlgorithm::kWinogradInt16: return "int16";
        case ConvAlgorithm::kWinogradInt6w4: return "int6w4";
        case ConvAlgorithm::kWinogradInt6w8: return "int6w8";
        case ConvAlgorithm::kWinogradTapwise: return "tapwise";
        default: return "";
    }
}

// Input channels as the kernels store them.
int64_t stored_channels(const Graph &g, const Node &n, bool int8) {
    const int64_t c = g.tensors[n.inputs[0]].shape[1];
    return int8 ? (c + 3) / 4 * 4 : c;
}

// Whether Winograd variant `w` takes layer `n` (beyond winograd_applies): the
// overflow bounds of docs/arithmetic.md ("Winograd") and what the quantizer did.
bool winograd_fits(const Graph &g, const Node &n, const std::string &w, bool quantized, std::string *why) {
    if (w == "int16") {
        // 4 * sum (x - z) * g must fit int32: 4 * 9 * K * 255 * 127 < 2^31.
        const int64_t k = stored_channels(g, n, true);
        if (k > 1841) {
            *why = std::to_string(k) + " input channels overflow the int16 variant's int32 sums (at most 1841)";
            return false;
        }
    }
    if (w == "int6w4" && !quantized) {
        *why = "its operands are not quantized to INT6 / INT4 (an input the quantizer cannot hold in INT6)";
        return false;
    }
    if (w == "int6w8") {
        // The accumulator A^T M A + bias must fit int32: 756 * 127 * K < 2^31.
        const int64_t k = stored_channels(g, n, true);
        if (k > kWinogradInt6w8MaxChannels) {
            *why = std::to_string(k) + " input channels overflow the int6w8 variant's int32 sums (at most " +
                   std::to_string(kWinogradInt6w8MaxChannels) + ")";
            return false;
        }
        if (!quantized) {
            *why = "its operands are not quantized for int6w8 (an input the quantizer cannot hold in INT6)";
            return false;
        }
    }
    return true;
}

// Tile rows per block of a Winograd layer (LayerPlan::winograd_block_rows):
// as many as keep a block's V and M within kBlockBytes (each core's L2 holds
// its block while the three stages run over it), at least 16 tiles (AMX's
// rows), where that makes at least 4 blocks for the threads and the
// transformed weights, which every block reads again, are small (kWeightBytes:
// the large-image, few-channel layers); else 0 (the whole layer, parallel kernels).
int winograd_block_rows(const Graph &g, const Node &n, const LayerPlan &p, bool int8) {
    constexpr int64_t kBlockBytes = 1 << 20, kWeightBytes = 512 << 10;
    const Tensor &y = g.tensors[n.outputs[0]];
    const int64_t m = p.winograd_tile, taps = (m + 2) * (m + 2);
    const int64_t tx = (y.shape[3] + m - 1) / m, ty = (y.shape[2] + m - 1) / m;
    const int64_t v_elem = p.winograd == "fp32" ? 4 : p.winograd == "int16" ? 2 : 1;
    const int64_t k = stored_channels(g, n, int8);
    if (taps * k * y.shape[1] * v_elem > kWeightBytes) return 0;
    const int64_t row_bytes = taps * tx * (k * v_elem + y.shape[1] * 4);
    const int64_t rows = std::max({int64_t(1), kBlockBytes / row_bytes, (16 + tx - 1) / tx});
    const int64_t blocks = y.shape[0] * ((ty + rows - 1) / rows);
    const bool last_full = ty % rows == 0 || (ty % rows) * tx >= 16;
    return blocks >= 4 && last_full ? static_cast<int>(std::min(rows, ty)) : 0;
}

// The kernels of a Winograd plan: (op, params) of each, for checking they exist.
std::vector<std::pair<std::string, std::string>> winograd_kernels(const std::string &w, int m, const std::string &fq,
                                                                   bool amx, bool amx_tiles) {
    const std::string tile = "tile=" + std::to_string(m);
    if (w == "fp32")
        return {{"winograd_input_transform", "domain=float32," + tile}, {"gemm_fp32", ""},
                {"winograd_output_transform_fp32", "domain=float32," + tile}};
    const std::pair<std::string, std::string> gemm8 =
        amx ? std::pair<std::string, std::string>{"gemm_int8_amx", std::string(amx_tiles ? "amx_tiles=true," : "") +
                                                                       "amx=true,requantize=false,weight_zero_point=false"}
            : std::pair<std::string, std::string>{"gemm_int8", "requantize=false,weight_zero_point=false"};
    if (w == "tapwise")
        return {{"winograd_input_transform_tapwise", "domain=tapwise," + tile}, gemm8,
                {"winograd_output_transform_tapwise", "domain=tapwise," + tile}};
    const std::string out = canonical_params("domain=int," + tile + (fq.empty() ? "" : "," + fq));
    if (w == "int16")
        return {{"winograd_input_transform", "domain=int16," + tile}, {"gemm_int16", ""},
                {"winograd_output_transform_int", out}};
    if (w == "int6w8")
        return {{"winograd_input_transform", "domain=int8," + tile}, gemm8,
                {"winograd_output_transform_int", canonical_params(out + ",weight_transform=float")}};
    return {{"winograd_input_transform", "domain=int8," + tile}, gemm8, {"winograd_output_transform_int", out}};
}

// The registry op and base variant a conv method runs on.
void conv_kernel(ConvMethod m, bool int8, bool asym_weights, const std::string &variant, std::string *op,
                 std::string *base) {
    if (int8) {
        *op = m == ConvMethod::kImplicit ? "conv2d_int8_implicit" : "gemm_int8";
        if (variant.find("amx=true") != std::string::npos) *op += "_amx";
        if (variant.find("u8_weights=true") != std::string::npos) *op += "_u8w";
        *base = asym_weights ? "requantize=true,weight_zero_point=true" : "requantize=true,weight_zero_point=false";
    } else {
        *op = m == ConvMethod::kImplicit ? "conv2d_fp32_implicit" : "gemm_fp32";
        *base = "";
    }
}

// The value of `key` in "k=v,..." params ("" when absent).
std::string param_of(const std::string &params, const std::string &key) {
    const std::string c = "," + canonical_params(params) + ",";
    const size_t at = c.find("," + key + "=");
    if (at == std::string::npos) return "";
    const size_t v = at + key.size() + 2;
    return c.substr(v, c.find(',', v) - v);
}

// `params` with `param` ("k=v") added unless its key is there already, canonical.
std::string with_param(const std::string &params, const std::string &param) {
    const std::string key = param.substr(0, param.find('=') + 1);
    if (("," + params).find("," + key) != std::string::npos) return canonical_params(params);
    return canonical_params(params.empty() ? param : params + "," + param);
}

// conv_kernel's op and base variant turned into those of the fused-Add kernel.
void with_fused_add(std::string *op, std::string *base) {
    *op += "_add";
    *base = with_param(*base, "residual_add=true");
}

// The registry op and parameters of a non-conv INT8 node that requantizes
// (for checking that its fp32-requantization kernel exists), or false.
bool requantizing_op(const Node &n, bool asym, std::string *op, std::string *params) {
    switch (n.op) {
        case OpType::kConv:
            if (n.group <= 1) return false;
            *op = "depthwise_conv2d_int8";
            *params = n.kernel_h == 3 ? "" : "kernel_size=" + std::to_string(n.kernel_h);
            return true;
        case OpType::kGemm:
            *op = "gemm_int8";
            *params = asym ? "requantize=true,weight_zero_point=true" : "requantize=true,weight_zero_point=false";
            return true;
        case OpType::kBatchNormalization:
        case OpType::kRelu:  // a clamp left unfused runs the BN kernel as an identity affine
        case OpType::kClip:
            *op = "depthwise_conv2d_int8";
            *params = "kernel_size=1";
            return true;
        case OpType::kAdd:
            *op = "add_int8";
            *params = "";
            return true;
        default: return false;
    }
}

const TuningEntry *find_entry(const TuningFile &f, const Node &n, const LayerPlan &p, const PlanTarget &t) {
    const TuningEntry *by_key = nullptr;
    for (const auto &e : f.entries) {
        if (e.layer != p.key || e.precision != (t.int8 ? "int8" : "fp32") || e.scheme != t.scheme ||
            e.device != t.device || e.family != t.family)
            continue;
        if (e.node == n.name) return &e;
        if (e.node.empty() && by_key == nullptr) by_key = &e;
    }
    return by_key;
}

}  // namespace

bool winograd_int6w8_bias_fits(int64_t stored_channels, int64_t bias) {
    return int64_t{756} * 127 * stored_channels + (bias < 0 ? -bias : bias) < (int64_t{1} << 31);
}

const char *conv_method_name(ConvMethod m) {
    switch (m) {
        case ConvMethod::kGemm: return "gemm";
        case ConvMethod::kIm2colGemm: return "im2col_gemm";
        case ConvMethod::kImplicit: return "implicit";
        case ConvMethod::kWinograd: return "winograd";
        case ConvMethod::kNone: break;
    }
    return "-";
}

bool parse_conv_method(std::string_view name, ConvMethod *m) {
    for (ConvMethod c : {ConvMethod::kGemm, ConvMethod::kIm2colGemm, ConvMethod::kImplicit, ConvMethod::kWinograd})
        if (name == conv_method_name(c)) {
            *m = c;
            return true;
        }
    return false;
}

bool winograd_applies(const Graph &g, const Node &n, std::string *why) {
    std::string w;
    if (n.op != OpType::kConv || n.group != 1) w = "not a (group 1) convolution";
    else if (n.kernel_h != 3 || n.kernel_w != 3) w = "not 3x3";
    else if (n.stride_h != 1 || n.stride_w != 1) w = "not stride 1";
    else if (n.pad_top != 1 || n.pad_left != 1 || n.pad_bottom != 1 || n.pad_right != 1) w = "not padded by 1";
    else if (g.tensors[n.inputs[0]].shape[1] < 16) w = "fewer than 16 input channels";
    if (why) *why = w;
    return w.empty();
}

const char *conv_algorithm_name(ConvAlgorithm a) {
    switch (a) {
        case ConvAlgorithm::kAuto: return "auto";
        case ConvAlgorithm::kAutoNoWinograd: return "auto-no-winograd";
        case ConvAlgorithm::kGemm: return "gemm";
        case ConvAlgorithm::kImplicit: return "implicit";
        case ConvAlgorithm::kWinogradFp32: return "winograd-fp32";
        case ConvAlgorithm::kWinogradInt16: return "winograd-int16";
        case ConvAlgorithm::kWinogradInt6w4: return "winograd-int6w4";
        case ConvAlgorithm::kWinogradInt6w8: return "winograd-int6w8";
        case ConvAlgorithm::kWinogradTapwise: return "winograd-tapwise";
    }
    return "?";
}

bool parse_conv_algorithm(const std::string &name, ConvAlgorithm *a) {
    for (ConvAlgorithm c : {ConvAlgorithm::kAuto, ConvAlgorithm::kAutoNoWinograd, ConvAlgorithm::kGemm,
                            ConvAlgorithm::kImplicit, ConvAlgorithm::kWinogradFp32, ConvAlgorithm::kWinogradInt16,
                            ConvAlgorithm::kWinogradInt6w4, ConvAlgorithm::kWinogradInt6w8,
                            ConvAlgorithm::kWinogradTapwise})
        if (name == conv_algorithm_name(c)) {
            *a = c;
            return true;
        }
    return false;
}

Status plan_layers(const Graph &g, const CompileOptions &o, const PlanTarget &t, const TuningFile *tuning,
                   std::vector<LayerPlan> *plans, const std::vector<bool> *asym_weights,
                   const std::vector<bool> *int6w4_nodes, const std::vector<int> *tapwise_nodes,
                   const std::vector<bool> *int6w8_nodes) {
    plans->assign(g.nodes.size(), LayerPlan{});
    const bool cpu = t.device == "cpu";
    const std::string wv = winograd_variant(o.conv);
    if (!wv.empty()) {
        const std::string flag = std::string("--conv ") + conv_algorithm_name(o.conv);
        if ((wv == "fp32") == t.int8)
            return {StatusCode::kInvalidArgument,
                    flag + (wv == "fp32" ? " is FP32 Winograd: use it with --precision fp32 (INT8: winograd-int16, "
                                           "winograd-int6w4, winograd-int6w8 or winograd-tapwise)"
                                         : " is an INT8 Winograd variant: use it with --precision int8 (FP32: "
                                           "winograd-fp32)")};
        if (o.winograd_tile != 2 && o.winograd_tile != 4)
            return {StatusCode::kInvalidArgument, "--winograd-tile must be 2 or 4"};
        if (o.winograd_tile == 4 && (wv == "int16" || wv == "int6w4" || wv == "int6w8"))
            return {StatusCode::kInvalidArgument,
                    flag + " is F(2x2, 3x3) only (its integer transforms are exact for m = 2); use --winograd-tile 2"};
    }
    // fp32 requantization: every INT8 kernel that requantizes takes the variant.
    const std::string fq = t.fp32_requantization ? "requantization=fp32" : "";
    int tuned = 0;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        LayerPlan &p = (*plans)[i];
        p.node = n.name;
        p.op = operator_of(n);
        p.numeric = t.int8 ? "int8" : "fp32";
        p.source = "its op's one kernel";
        const bool asym = asym_weights != nullptr && i < asym_weights->size() && (*asym_weights)[i];
        std::string rq_op, rq_params;
        if (!fq.empty() && requantizing_op(n, asym, &rq_op, &rq_params)) {
            p.kernel_variant = fq;
            if (find_kernel_row(rq_op, t.family, with_param(rq_params, fq)) == nullptr)
                return {StatusCode::kInvalidArgument,
                        "layer '" + n.name + "': no " + rq_op + " kernel with fp32 requantization (" +
                            canonical_params(with_param(rq_params, fq)) + ") for family " + t.family +
                            " in this build: use --requantization gemmlowp"};
        }
        if (n.op == OpType::kConv && n.group > 1) {
            // FP32 3x3 depthwise layers on the CPU pad their own input, so that
            // their producer writes a dense output: no border to fill, no
            // dense scratch copied into a padded one (decision 50).
            if (cpu && !t.int8 && n.kernel_h == 3 && n.kernel_w == 3 &&
                find_kernel_row("depthwise_conv2d_fp32", t.family, "pads_input=true") != nullptr) {
                p.kernel_variant = "pads_input=true";
                p.source = "FP32 3x3 on the CPU: pads its own input (its producer writes a dense output)";
            } else {
                p.padded_input = true;
            }
        } else if (n.op == OpType::kConv) {
            p.key = conv_layer_key(g, n);
            const TuningEntry *e = tuning ? find_entry(*tuning, n, p, t) : nullptr;
            auto bad = [&](const std::string &why) {
                return Status{StatusCode::kInvalidArgument, "tuning file " + tuning->path + ": layer '" + n.name +
                                                                "' (" + p.key + "): " + why};
            };
            // Quantized per Winograd tap: only winograd-tapwise computes this layer's numbers.
            const int tapwise_m = tapwise_nodes != nullptr && i < tapwise_nodes->size() ? (*tapwise_nodes)[i] : 0;
            // Weights transformed in float (int6w8): likewise only winograd-int6w8.
            const bool int6w8 = int6w8_nodes != nullptr && i < int6w8_nodes->size() && (*int6w8_nodes)[i];
            if (int6w8) {
                if (e != nullptr && (e->method != "winograd" || param_of(e->variant, "winograd") != "int6w8"))
                    return bad("the layer's weights are transformed and quantized for winograd-int6w8: only it runs the layer");
                p.method = ConvMethod::kWinograd;
                p.winograd = "int6w8";
                p.winograd_tile = 2;
                p.source = "weights quantized after the Winograd transform, so winograd-int6w8";
                if (e != nullptr) tuned++;
            } else if (tapwise_m) {
                if (e != nullptr && (e->method != "winograd" || param_of(e->variant, "winograd") != "tapwise"))
                    return bad("the layer is quantized per Winograd tap: only winograd-tapwise runs it");
                p.method = ConvMethod::kWinograd;
                p.winograd = "tapwise";
                p.winograd_tile = tapwise_m;
                p.source = "quantized per Winograd tap F(" + std::to_string(tapwise_m) + "x" +
                           std::to_string(tapwise_m) + ",3x3), so winograd-tapwise";
                if (e != nullptr) tuned++;
            } else if (e != nullptr) {
                if (!parse_conv_method(e->method, &p.method))
                    return bad("unknown method '" + e->method + "' (gemm, im2col_gemm, implicit, winograd)");
                if (p.method == ConvMethod::kGemm && !is_pointwise(n))
                    return bad("method gemm needs a 1x1, stride-1, unpadded convolution");
                p.kernel_variant = canonical_params(e->variant);
                if (param_of(p.kernel_variant, "requantization") != (fq.empty() ? "" : "fp32"))
                    return bad("its kernel variant '" + p.kernel_variant + "' requantizes otherwise than this session (--requantization " +
                               (fq.empty() ? "gemmlowp" : "fp32") + "): a different result, not only a different speed");
                if (p.method == ConvMethod::kWinograd) {
                    // "winograd=<variant>,tile=<m>": the rest (AMX, blocks) the plan decides as for --conv.
                    const std::string wv_e = param_of(p.kernel_variant, "winograd");
                    const std::string tile_e = param_of(p.kernel_variant, "tile");
                    std::string why;
                    const bool quantized = int6w4_nodes != nullptr && i < int6w4_nodes->size() && (*int6w4_nodes)[i];
                    if (wv_e.empty() || (tile_e != "2" && tile_e != "4"))
                        return bad("method winograd needs a variant winograd=<fp32|int16|int6w4>,tile=<2|4>");
                    // tapwise and int6w8: above (their layers only)
                    if ((wv_e == "fp32") == t.int8 || wv_e == "tapwise" || wv_e == "int6w8" || (tile_e == "4" && wv_e != "fp32"))
                        return bad("winograd=" + wv_e + ",tile=" + tile_e + " is not a variant of this session");
                    if ((t.int8 && asym) || !winograd_applies(g, n, &why) || !winograd_fits(g, n, wv_e, quantized, &why))
                        return bad("Winograd does not take it: " + (why.empty() ? std::string("asymmetric weights") : why));
                    p.winograd = wv_e;
                    p.winograd_tile = std::stoi(tile_e);
                    p.kernel_variant.clear();
                }
                char ms[32];
                std::snprintf(ms, sizeof ms, "%.3g", e->ms);
                p.source = std::string("tuning file (") + ms + " ms on " + tuning->cpu + ")";
                tuned++;
            } else if (!wv.empty()) {
                std::string why;
                const bool quantized = int6w4_nodes != nullptr && i < int6w4_nodes->size() && (*int6w4_nodes)[i];
                const bool symmetric = !(t.int8 && asym);
                if (!symmetric) why = "asymmetric weights (Winograd takes symmetric ones)";
                if (wv == "tapwise") why = "not quantized per tap (" + (why.empty() ? std::string("Winograd does not apply") : why) + ")";
                // int6w8's own layers are planned above: here the others, and why not
                // (Winograd does not apply, past the int32 bound, or an input not INT6).
                if (wv == "int6w8" && symmetric && winograd_applies(g, n, &why)) winograd_fits(g, n, wv, false, &why);
                if (symmetric && wv != "tapwise" && wv != "int6w8" && winograd_applies(g, n, &why) &&
                    winograd_fits(g, n, wv, quantized, &why)) {
                    p.method = ConvMethod::kWinograd;
                    p.winograd = wv;
                    p.winograd_tile = o.winograd_tile;
                    p.source = std::string("--conv ") + conv_algorithm_name(o.conv);
                } else {
                    p.method = auto_method(g, n, t, asym, &p.source);
                    p.source += std::string(" (--conv ") + conv_algorithm_name(o.conv) + ": " + why + ")";
                }
            } else if (o.conv == ConvAlgorithm::kImplicit) {
                p.method = ConvMethod::kImplicit;
                p.source = "--conv implicit";
            } else if (o.conv == ConvAlgorithm::kGemm) {
                p.method = is_pointwise(n) ? ConvMethod::kGemm : ConvMethod::kIm2colGemm;
                p.source = "--conv gemm";
            } else {
                p.method = auto_method(g, n, t, asym, &p.source);
                // Mali G52 / G76: the arm_dot variants where the device has the instruction (docs/mali.md).
                if (t.arm_dot && t.int8 && !asym) p.kernel_variant = "arm_dot=true";
                const bool fp32_auto = o.conv == ConvAlgorithm::kAuto && !t.int8 && winograd_applies(g, n, nullptr);
                const bool gpu = t.device == "opencl" && t.family == "gpu";
                const int m = fp32_auto && cpu ? fp32_auto_winograd_tile(g, n) : fp32_auto && gpu ? gpu_auto_winograd_tile(g, n) : 0;
                if (m > 0) {
                    p.method = ConvMethod::kWinograd;
                    p.winograd = "fp32";
                    p.winograd_tile = m;
                    const std::string f = "Winograd F(" + std::to_string(m) + "x" + std::to_string(m) + ",3x3)";
                    p.source = cpu ? "auto: FP32 3x3 stride 1, >= 32 output tiles of " + std::to_string(m) + " x " +
                                         std::to_string(m) + ": " + f
                                   : "auto (OpenCL gpu): FP32 3x3 stride 1: " + f;
                }
                std::string why;
                if (o.conv == ConvAlgorithm::kAuto && t.int8 && !asym && gpu && winograd_applies(g, n, nullptr) &&
                    gpu_auto_int16_winograd(g, n) && winograd_fits(g, n, "int16", false, &why)) {
                    p.method = ConvMethod::kWinograd;
                    p.winograd = "int16";  // exact: the same integers as the implicit kernel
                    p.winograd_tile = 2;
                    p.source = "auto (OpenCL gpu): INT8 3x3 stride 1, >= 128 input channels, >= 400 M MACs or "
                               "<= 7 x 7 outputs: exact Winograd int16 F(2x2,3x3)";
                }
            }
            if (!fq.empty()) p.kernel_variant = with_param(p.kernel_variant, fq);
            if (p.method == ConvMethod::kWinograd) {
                // The int8 tap GEMMs (int6w4, tapwise) on AMX where usable (K % 64, N % 16, tiles >= 16) and
                // faster: K >= 256 (with fewer input channels the AMX kernel, one accumulator
                // tile and its store per 16 x 16 block, is slower than VNNI: docs/winograd.md).
                const Tensor &y = g.tensors[n.outputs[0]];
                const int64_t tiles = winograd_tiles(g, n, p.winograd_tile);
                const int64_t k_in = stored_channels(g, n, true);
                const bool amx = t.amx && (p.winograd == "int6w4" || p.winograd == "int6w8" || p.winograd == "tapwise") &&
                                 k_in % 64 == 0 &&
                                 k_in >= 256 && y.shape[1] % 16 == 0 && tiles >= 16;
                if (amx) {
                    p.kernel_variant = with_param(p.kernel_variant, amx_params(t.amx_tiles));
                    p.source += t.amx_tiles ? "; AMX (2 x 2 tiles where a tap GEMM has >= 32 rows)" : "; AMX";
                }
                const auto kernels = winograd_kernels(p.winograd, p.winograd_tile, fq, amx, amx && t.amx_tiles);
                for (const auto &[op, params] : kernels)
                    if (find_kernel_row(op, t.family, params) == nullptr)
                        return {StatusCode::kInvalidArgument, "layer '" + n.name + "': no " + op + " kernel with variant '" +
                                                                  canonical_params(params) + "' for family " + t.family +
                                                                  " in this build"};
                bool serial_rows = true;  // blocks and parallel taps run the serial variants: where all exist
                for (const auto &[op, params] : kernels)
                    if (find_kernel_row(op, t.family, with_param(params, "serial=true")) == nullptr) serial_rows = false;
                // OpenCL: the whole layer, each stage one launch over it (no blocks, no serial variants).
                p.winograd_block_rows = cpu && serial_rows ? winograd_block_rows(g, n, p, t.int8) : 0;
                // On the whole layer: one serial tap GEMM per task, the taps in parallel (one fork
                // for the 16 / 36 small GEMMs, each thread streaming whole taps' weights; decision 44).
                p.winograd_parallel_taps = cpu && serial_rows && p.winograd_block_rows == 0;
                if (p.winograd_parallel_taps) p.source += "; taps in parallel";
                if (p.winograd_parallel_taps && p.winograd == "fp32" && fp32_avx512_core(g, n, t, tiles)) {
                    p.kernel_variant = with_param(p.kernel_variant, "avx512_core=true");  // the tap GEMMs (conv_winograd.cpp)
                    p.source += " on the AVX-512 core";
                }
                const std::string domain = p.winograd == "fp32" ? "float32" : p.winograd == "int16" ? "int16" : "int8";
                p.winograd_batched_taps =
                    !cpu && !amx && find_kernel_row("winograd_tap_gemm", t.family, "domain=" + domain) != nullptr;
                // Mali G52 / G76 with the instruction: the int8 taps on arm_dot.
                if (p.winograd_batched_taps && t.arm_dot && domain == "int8" &&
                    find_kernel_row("winograd_tap_gemm", t.family, "arm_dot=true,domain=int8") != nullptr)
                    p.kernel_variant = with_param(p.kernel_variant, "arm_dot=true");
                if (p.winograd_batched_taps)
                    p.source += p.kernel_variant.find("arm_dot=true") != std::string::npos
                                    ? "; the taps' GEMMs in one launch (arm_dot)"
                                    : "; the taps' GEMMs in one launch";
                p.op = "conv_winograd";  // reads its input unpadded (the kernel adds the padding)
                continue;
            }
            std::string op, base;
            conv_kernel(p.method, t.int8, asym, p.kernel_variant, &op, &base);
            const std::string params = base + (p.kernel_variant.empty() ? "" : "," + p.kernel_variant);
            const KernelRow *row = find_kernel_row(op, t.family, params);
            if (row == nullptr) {
                const std::string why = "no " + op + " kernel with variant '" + canonical_params(params) +
                                        "' for family " + t.family + " in this build";
                if (e != nullptr) return bad(why);
                if (!fq.empty())
                    return {StatusCode::kInvalidArgument,
                            "layer '" + n.name + "': " + why + ": fp32 requantization has kernels for symmetric "
                            "weights on the CPU; use --requantization gemmlowp"};
                return {StatusCode::kInternal, "layer '" + n.name + "': " + why};
            }
            if (row->contract == NumericContract::kLossy && !o.allow_lossy)
                return {StatusCode::kInvalidArgument, "layer '" + n.name + "': " + row->name +
                                                          " is lossy (docs/arithmetic.md); allow lossy variants to use it"};
            p.padded_input = p.method == ConvMethod::kImplicit;
            p.dense_input = p.method == ConvMethod::kGemm;
        } else if (n.op == OpType::kGemm || n.op == OpType::kSoftmax || n.op == OpType::kFlatten) {
            p.dense_input = true;
            const Tensor &y = g.tensors[n.outputs[0]];
            if (n.op == OpType::kGemm && cpu && t.int8 && !asym && y.shape[0] < 4 && y.shape[1] >= 256 &&
                find_kernel_row("gemm_int8", t.family,
                                with_param("requantize=true,serial=true,weight_zero_point=false", fq)) != nullptr) {
                p.column_chunks = true;
                p.kernel_variant = with_param(p.kernel_variant, "serial=true");
                p.source = "batch < 4: weights in 256-column chunks, one matrix-vector call per chunk in parallel";
            } else if (n.op == OpType::kGemm && cpu && !t.int8 && y.shape[0] < 4 && y.shape[1] >= 256 &&
                       find_kernel_row("gemm_fp32", t.family, "serial=true") != nullptr) {
                // FP32 too, any N >= 256 (the last chunk zero-padded): each chunk one
                // contiguous stream (the (N, K) weights put a chunk's rows N floats
                // apart: 1 KiB runs at a 16 KiB stride on VGG16's fc6).
                p.column_chunks = true;
                p.kernel_variant = "serial=true";
                p.source = "batch < 4: weights in 256-column chunks, one matrix-vector call per chunk in parallel";
            }
        }
    }
    if (tuning != nullptr && tuned == 0)
        return {StatusCode::kInvalidArgument,
                "tuning file " + tuning->path + " has no entry for any convolution of this model on " + t.device +
                    " / " + t.family + " / " + (t.int8 ? "int8 " + t.scheme : std::string("fp32")) +
                    " (it was made on " + tuning->cpu + "); run mobiq tune with these options"};

    // The layout the plans imply: on the CPU a tensor read with padding keeps
    // a border (OpenCL pads by a device copy instead, docs/runtime.md).
    std::map<int, int> border;  // tensor id -> pixels
    std::map<int, const Node *> dense_reader;
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        LayerPlan &p = (*plans)[i];
        int t_in = n.inputs[0];
        // Flatten is a view: its reader's needs are its source's.
        if (n.op != OpType::kFlatten) {
            const int prod = g.producer(t_in);
            if (prod >= 0 && g.nodes[prod].op == OpType::kFlatten) t_in = g.nodes[prod].inputs[0];
        }
        if (p.padded_input) p.input_border = max_pad(n);
        if (p.padded_input && cpu) border[t_in] = std::max(border[t_in], max_pad(n));
        if (p.dense_input) dense_reader[t_in] = &n;
    }
    // AMX (x86 CPUs where amx_usable()): the GEMM of gemm / im2col_gemm
    // layers whose shape the AMX kernel takes (K % 64 == 0, N % 16 == 0,
    // M >= 16) and whose output is dense, symmetric weights, unless a tuning
    // entry chose the kernel.
    if (t.amx && t.int8)
        for (size_t i = 0; i < g.nodes.size(); i++) {
            const Node &n = g.nodes[i];
            LayerPlan &p = (*plans)[i];
            const bool asym = asym_weights != nullptr && i < asym_weights->size() && (*asym_weights)[i];
            if (p.op != "conv" || asym || p.kernel_variant != fq || p.source.rfind("tuning", 0) == 0) continue;
            if (p.method == ConvMethod::kImplicit) {
                // The implicit conv writes any output view: padded outputs and fused Adds as they are.
                if (!t.amx_implicit) continue;
                if (amx_implicit_shape(g, n)) {
                    p.kernel_variant = with_param(fq, amx_params(true));
                    p.source += "; AMX (2 x 2 tiles, A from the padded input)";
                } else if (amx_kernel_rows_shape(g, n)) {
                    p.kernel_variant = with_param(fq, "amx=true,amx_kernel_rows=true,amx_tiles=true");
                    p.source += "; AMX by kernel rows (one k tile per kernel row of KW x C bytes, any stride)";
                }
                continue;
            }
            const bool bordered = border.count(n.outputs[0]) && border[n.outputs[0]] > 0;
            // A 1x1 GEMM of more than 256 pixels whose output is padded for its
            // reader: the AMX implicit conv (one tap) writes the padded output in
            // place, where the GEMM would write a dense scratch and copy it
            // (ResNet50 INT8: the first 1x1 of the 56 x 56 and 28 x 28
            // bottlenecks; MobileNet-v1: the 112 x 112 and 56 x 56 pointwise
            // layers). With fewer pixels the GEMM's column blocks over the
            // threads (each weight read once) measured as fast or faster
            // (docs/runtime.md "Intel AMX").
            if (bordered && p.method == ConvMethod::kGemm && p.source.rfind("auto", 0) == 0 && t.amx_implicit &&
                amx_implicit_shape(g, n) && output_pixels(g, n) > 256) {
                p.method = ConvMethod::kImplicit;
                p.dense_input = false;
                p.padded_input = true;  // pad 0: no border, a 4-D view of the input
                p.kernel_variant = with_param(fq, amx_params(true));
                p.source = "auto: 1x1 with a padded output, so the AMX implicit conv (2 x 2 tiles) writes it in place";
                continue;
            }
            if (!amx_shape(g, n)) continue;
            const bool tiles = t.amx_tiles && amx_tiles_shape(g, n);
            // A padded output (its reader pads, e.g. a depthwise layer after a pointwise one) costs
            // one copy of the output from a dense scratch: the 2 x 2-tile core only.
            if (bordered && !tiles) continue;
            p.kernel_variant = with_param(fq, amx_params(tiles));
            p.source += tiles ? "; AMX (2 x 2 tiles)" : "; AMX";
            if (bordered) {
                p.dense_scratch_output = true;
                p.source += " into a dense scratch, copied into the padded output";
            }
        }
    // Residual Adds into the convolution producing one of their inputs: the
    // later-computed of the two when both are convolutions (the other input
    // must exist when the fused convolution runs), whose output has no other reader.
    if (o.fuse_residual_add)
        for (size_t j = 0; j < g.nodes.size(); j++) {
            const Node &add = g.nodes[j];
            if (add.op != OpType::kAdd) continue;
            int best = -1;
            for (int k = 0; k < 2; k++) {
                const int t = add.inputs[k], other = add.inputs[1 - k];
                const int i = g.producer(t);
                if (i < 0 || (*plans)[i].op != "conv" || (*plans)[i].fused_add >= 0 || (*plans)[i].dense_scratch_output)
                    continue;
                // The kernel-row AMX form has no fused-Add kernel (the stems feed no Add).
                if ((*plans)[i].kernel_variant.find("amx_kernel_rows=true") != std::string::npos) continue;
                // The AMX GEMM needs 16 rows per call: not one per row of a bordered tensor.
                if ((*plans)[i].kernel_variant.find("amx=true") != std::string::npos &&
                    (*plans)[i].method != ConvMethod::kImplicit &&
                    ((border.count(add.outputs[0]) && border[add.outputs[0]] > 0) ||
                     (border.count(other) && border[other] > 0)))
                    continue;
                if (g.consumers(t).size() != 1 || std::count(g.outputs.begin(), g.outputs.end(), t)) continue;
                if (g.producer(other) >= i) continue;
                if (best < 0 || i > best) best = i;
            }
            if (best < 0) continue;
            (*plans)[best].fused_add = static_cast<int>(j);
            (*plans)[j].fused_into = best;
            (*plans)[j].op = "fused";
            (*plans)[j].source = "fused into '" + g.nodes[best].name + "'";
        }
    // The tensor a node writes: its own output, or its fused Add's.
    auto written = [&](size_t i) {
        const LayerPlan &p = (*plans)[i];
        return p.fused_add >= 0 ? g.nodes[p.fused_add].outputs[0] : g.nodes[i].outputs[0];
    };
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        LayerPlan &p = (*plans)[i];
        if (p.method != ConvMethod::kGemm || p.dense_scratch_output) continue;
        const int y = static_cast<int>(written(i));
        bool bordered = border.count(y) && border[y] > 0;
        if (p.fused_add >= 0) {  // the residual is read as the output is written: as a matrix too
            const Node &add = g.nodes[p.fused_add];
            const int skip = add.inputs[0] == n.outputs[0] ? add.inputs[1] : add.inputs[0];
            bordered = bordered || (border.count(skip) && border[skip] > 0);
        }
        const bool ragged = t.int8 && g.tensors[y].shape[1] % 4 != 0;
        if (cpu && !t.int8 && p.source.rfind("auto", 0) == 0 && bordered && p.fused_add < 0 &&
            output_pixels(g, n) <= kFp32DenseScratchPixels) {
            // FP32 1x1 layers with few output pixels and a padded output (MobileNet's
            // pointwise layers before a depthwise one): the GEMM into a dense scratch,
            // its rows copied into the padded output, beats the direct kernel.
            p.dense_scratch_output = true;
            p.source += "; into a dense scratch, copied into the padded output";
        } else if (p.source.rfind("auto", 0) == 0 && (bordered || ragged)) {
            // A GEMM writes a dense matrix: its output read with padding would
            // take one GEMM per row; auto runs the implicit kernel instead.
            p.method = ConvMethod::kImplicit;
            p.dense_input = false;
            p.source = bordered ? "auto: output padded for its reader, so implicit"
                                : "auto: output channels not a multiple of 4, so implicit";
        } else if (bordered && p.kernel_variant.find("amx_tiles=true") != std::string::npos && p.fused_add < 0) {
            // A tuning entry's AMX GEMM on a padded output: through a dense scratch, as the AMX pass does.
            p.dense_scratch_output = true;
        } else if (bordered) {
            // One GEMM per output row: too few rows for the AMX kernels, so VNNI.
            if (p.kernel_variant.find("amx=true") != std::string::npos) p.kernel_variant = fq;
            p.row_by_row = true;
        }
    }
    // FP32 GEMMs in 64-column panels (CPU): each panel contiguous, where the
    // (N, K) weights put a panel's rows N floats apart (a 4 KiB page per one
    // or two rows of K on the deep layers); not where all the weights sit in
    // an eighth of the L2 (64-256 KiB: ResNet50's stage-1 / 2 1x1 layers):
    // there the whole-width GEMM reads its rows once and writes whole output
    // rows, panels read the rows once per panel (layer1.0.downsample 0.60 ->
    // 0.42 ms). The direct conv in panels where its weights do not fit one
    // core's L2: its output rows (the parallel tasks) each stream all of them
    // from memory, panels stream each once per block of rows (MobileNet-v1
    // block12.pw, 2 MiB over 7 rows: 0.63 -> 0.31 ms; with weights that fit,
    // panels measured level or slower). docs/status.md, decision 40.
    if (cpu && !t.int8)
        for (size_t i = 0; i < g.nodes.size(); i++) {
            const Node &n = g.nodes[i];
            LayerPlan &p = (*plans)[i];
            const bool implicit = p.method == ConvMethod::kImplicit;
            if (p.op != "conv") continue;
            const std::vector<int64_t> &w = g.tensors[n.inputs[1]].shape;
            const int64_t weight_bytes = 4 * w[0] * w[1] * w[2] * w[3];
            // A tuning entry naming a serial variant was measured in panels (the
            // plan above made it so): run it in panels, not as one call on one thread.
            if (p.source.rfind("tuning", 0) == 0 && !p.row_by_row &&
                (p.method == ConvMethod::kGemm || p.method == ConvMethod::kIm2colGemm || implicit) &&
                g.tensors[n.outputs[0]].shape[1] % 64 == 0 && param_of(p.kernel_variant, "serial") == "true") {
                p.column_panels = true;
                p.source += "; 64-column panels in parallel (its serial variant)";
                continue;
            }
            if (p.row_by_row || p.source.rfind("tuning", 0) == 0 ||
                (p.method != ConvMethod::kGemm && p.method != ConvMethod::kIm2colGemm && !implicit) ||
                g.tensors[n.outputs[0]].shape[1] % 64 != 0 || !p.kernel_variant.empty() ||
                (!implicit && 8 * weight_bytes <= t.l2_bytes) ||
                (implicit && (weight_bytes < t.l2_bytes ||
                              find_kernel_row("conv2d_fp32_implicit", t.family, "serial=true") == nullptr)))
                continue;
            p.column_panels = true;
            p.kernel_variant = "serial=true";
            p.source += implicit ? "; 64-channel panels x row blocks in parallel" : "; 64-column panels in parallel";
            // Few rows on AVX-512: the same register block with B prefetched into L1
            // (decision 48; in ResNet50 and MobileNet-v1 also faster than K in chunks).
            const int k_block = fp32_panel_k_block(g, n, p, t);
            if (!implicit && fp32_avx512_core(g, n, t)) {
                p.kernel_variant = "avx512_core=true,serial=true";
                p.source += ", AVX-512 core";
            } else if (k_block > 0) {
                p.kernel_variant = "k_block=" + std::to_string(k_block) + ",serial=true";
                p.source += ", K in chunks of " + std::to_string(k_block) + " (in L1)";
            }
        }
    // INT8 GEMMs of few rows on AVX-512 VNNI (ResNet50's layer3 / layer4,
    // VGG16's conv5: M <= 256, weights 0.25-2.4 MB) in 64-column panels, each
    // contiguous: the whole-width packing puts a column block's k groups N * 4
    // bytes apart, a stream the hardware prefetchers do not follow, and in a
    // network these weights come cold (tools/experiments/vnni_block_probe.cpp:
    // the layer4 3x3 GEMM 0.36-0.38 ms cold against 0.30 in panels). Also with
    // the fused Add (its residual cut in the same panels) and with asymmetric
    // weights (their row sums recomputed per panel: 1/64 of the GEMM's work;
    // ResNet50 0.971x the time). And the direct conv whose weights do not fit
    // one core's L2 (VGG16's conv4: 1.2-2.4 MB), as in FP32: its output rows
    // each stream all the weights, a panel stays in L2 across the rows of its
    // block. Not with a fused Add (no serial kernel for it) nor asymmetric
    // weights (the per-pixel receptive-field sums, 16 lanes of int32, would be
    // redone per panel: ~5 % more work, VGG16 measured 1.03x slower).
    // The same on CPUs without AVX-512 with 7-bit weights, on the weights7
    // rows (decision 55: VGG16's conv4 streamed its 2.4 MB of weights from L3
    // per block of 4 pixels at 54-59 % of the vpmaddubsw peak on Zen 3).
    const bool w7_panels = !t.avx512 && t.weights7;
    if (cpu && t.int8 && (t.avx512 || w7_panels))
        for (size_t i = 0; i < g.nodes.size(); i++) {
            const Node &n = g.nodes[i];
            LayerPlan &p = (*plans)[i];
            const bool asym = asym_weights != nullptr && i < asym_weights->size() && (*asym_weights)[i];
            const bool implicit = p.method == ConvMethod::kImplicit, add = p.fused_add >= 0;
            if (p.op != "conv" || p.row_by_row || p.dense_scratch_output ||
                p.source.rfind("tuning", 0) == 0 || p.kernel_variant != fq ||
                g.tensors[n.outputs[0]].shape[1] % 64 != 0)
                continue;
            const std::vector<int64_t> &w = g.tensors[n.inputs[1]].shape;
            // The implicit kernel's parallel loop runs over output rows: under 8
            // (7 x 7 outputs) they split unevenly over threads, so panels there too.
            const bool few_rows = g.tensors[n.outputs[0]].shape[2] < 8;
            const bool passes_l2 = w[0] * w[1] * w[2] * w[3] >= t.l2_bytes;
            if (implicit ? add || asym || (!passes_l2 && !few_rows)
                         : (p.method != ConvMethod::kGemm && p.method != ConvMethod::kIm2colGemm) ||
                               output_pixels(g, n) > 256)
                continue;
            std::string serial = with_param(fq, "serial=true");
            if (w7_panels) serial = with_param(serial, "weights7=true");
            std::string op, base;
            conv_kernel(p.method, true, asym, serial, &op, &base);
            if (add) with_fused_add(&op, &base);
            if (find_kernel_row(op, t.family, base + "," + serial) == nullptr) continue;
            p.column_panels = true;
            p.kernel_variant = serial;
            p.source += !implicit ? "; 64-column panels in parallel (contiguous weights)"
                        : passes_l2
                            ? "; 64-channel panels x row blocks in parallel (weights pass the L2)"
                            : "; 64-channel panels x row blocks in parallel (fewer than 8 output rows)";
            if (w7_panels) p.source += "; 7-bit weights: pmaddubsw pair sums";
        }
    // x86 VNNI with u8_weights on (opt-in, decision 53): the INT8 GEMMs left
    // on gemm_int8 (AMX took none of them), symmetric weights and N % 16 == 0,
    // on gemm_int8_u8w: the weights as vpdpbusd's unsigned operand, a 7 x 3 block.
    // Panels too (its serial variant). Not under 7 rows (a block of fewer rows
    // re-reads its weights per row: the matrix-vector schedule is made for that).
    if (cpu && t.int8 && t.u8_weights)
        for (size_t i = 0; i < g.nodes.size(); i++) {
            const Node &n = g.nodes[i];
            LayerPlan &p = (*plans)[i];
            const bool asym = asym_weights != nullptr && i < asym_weights->size() && (*asym_weights)[i];
            const bool serial = p.kernel_variant == with_param(fq, "serial=true");
            if (p.op != "conv" || asym || p.row_by_row || p.source.rfind("tuning", 0) == 0 ||
                (p.method != ConvMethod::kGemm && p.method != ConvMethod::kIm2colGemm) ||
                (p.kernel_variant != fq && !(serial && p.column_panels)) ||
                g.tensors[n.outputs[0]].shape[1] % 16 != 0 || output_pixels(g, n) < 7)
                continue;
            // Halide's block takes K % 64 == 0 (its row sums run 64 k at a time).
            const int64_t k = stored_channels(g, n, true) * n.kernel_h * n.kernel_w;
            if (t.u8_weights == 1 && k % 64 != 0) continue;
            std::string variant = with_param(p.kernel_variant, "u8_weights=true");
            if (t.u8_weights == 1) variant = with_param(variant, "u8w_halide=true");
            std::string op, base;
            conv_kernel(p.method, true, false, variant, &op, &base);
            if (p.fused_add >= 0) with_fused_add(&op, &base);
            if (find_kernel_row(op, t.family, base + "," + variant) == nullptr) continue;
            p.kernel_variant = variant;
            p.source += t.u8_weights == 1 ? "; VNNI 4 x 4 block, weights + 128 (u8), A broadcast from memory"
                                          : "; VNNI 7 x 3 core, weights + 128 (u8)";
        }
    // x86 without VNNI, 7-bit weights (decision 55): the INT8 GEMMs and
    // implicit convs left on their base variant run its weights7 rows
    // (pmaddubsw pair sums, exact for weights in [-64, 63]; the ops check the
    // weights at load).
    if (cpu && t.int8 && t.weights7)
        for (size_t i = 0; i < g.nodes.size(); i++) {
            LayerPlan &p = (*plans)[i];
            const bool asym = asym_weights != nullptr && i < asym_weights->size() && (*asym_weights)[i];
            const bool conv = p.op == "conv" && (p.method == ConvMethod::kGemm || p.method == ConvMethod::kIm2colGemm ||
                                                 p.method == ConvMethod::kImplicit);
            if ((!conv && p.op != "fully_connected") || asym || p.kernel_variant != fq) continue;
            const std::string variant = with_param(p.kernel_variant, "weights7=true");
            std::string op = "gemm_int8", base = "requantize=true,weight_zero_point=false";
            if (conv) conv_kernel(p.method, true, false, variant, &op, &base);
            if (p.fused_add >= 0) with_fused_add(&op, &base);
            if (find_kernel_row(op, t.family, canonical_params(base + "," + variant)) == nullptr) continue;
            p.kernel_variant = variant;
            p.source += "; 7-bit weights: pmaddubsw pair sums";
        }
    for (size_t i = 0; i < g.nodes.size(); i++) {
        const Node &n = g.nodes[i];
        const LayerPlan &p = (*plans)[i];
        if (!p.dense_input || n.op == OpType::kFlatten) continue;
        int t_in = n.inputs[0];
        const int prod = g.producer(t_in);
        if (prod >= 0 && g.nodes[prod].op == OpType::kFlatten) t_in = g.nodes[prod].inputs[0];
        if (border.count(t_in) && border[t_in] > 0)
            return {StatusCode::kUnsupported, "tensor '" + g.tensors[t_in].name +
                                                  "' is read both as a matrix and with padding; use --conv implicit"};
    }
    return Status::ok();
}

}  // namespace mobiq
