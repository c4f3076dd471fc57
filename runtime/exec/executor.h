// The layer-by-layer executor behind every Session (private to the runtime):
// the optimized graph lowered to steps (kernel calls over views of the
// activations: one arena on the CPU, one allocation per tensor on OpenCL).
// executor.cpp holds the common part and the FP32 lowering, executor_int8.cpp
// the INT8 lowering. docs/runtime.md describes the layout (NHWC, borders
// holding the padding value), the conv methods, the arena and OpenCL.
#pragma once

#include <deque>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "HalideBuffer.h"
#include "mobiq/kernel_registry.h"
#include "mobiq/quantized_graph.h"
#include "mobiq/session.h"

namespace mobiq {

// An activation as the executor stores it: NHWC images (C, W, H, N) inside a
// border of `border` pixels, or (K, N) feature matrices (w = h = 1). INT8
// values store their channels rounded up to a multiple of 4 (c_alloc), the
// depth of the int8 dot products; FP32 values store exactly c.
struct Value {
    int tensor = -1;
    int elem = 4;  // bytes per element: 4 (float) or 1 (int8)
    int c = 1, c_alloc = 1, w = 1, h = 1, n = 1;
    bool image = false;
    int border = 0;            // requested by consumers that read padding
    bool needs_dense = false;  // read or written as a 2-D matrix
    int alias_of = -1;         // Flatten: the value whose memory this is
    int shadow_of = -1;        // OpenCL: a padded copy of that value (its border is fixed, see below)
    int shadow_top = 0, shadow_left = 0;  // where the copy's interior starts
    int first = -1, last = -1; // steps during which it must be held
    size_t offset = 0;         // CPU: in the arena
    Halide::Runtime::Buffer<uint8_t> storage;  // OpenCL: the value's own host + device allocation

    int full_w() const { return w + 2 * border; }
    int full_h() const { return h + 2 * border; }
    size_t bytes() const { return size_t(elem) * c_alloc * full_w() * full_h() * n; }
};

struct Step {
    LayerInfo info;
    std::function<int()> run;  // 0 or a kernel's error code
    std::vector<int> outputs;  // tensor ids written (for calibration observers)
};

class Executor final : public Session {
public:
    // FP32: the graph goes through the passes the options ask for.
    Status compile(const Graph &graph, const CompileOptions &options);
    // INT8: the quantized graph is already through them.
    Status compile_int8(const QuantizedGraph &qg, const CompileOptions &options);

    const std::vector<int64_t> &input_shape() const override { return input_shape_; }
    const std::vector<int64_t> &output_shape() const override { return output_shape_; }
    const std::vector<LayerInfo> &layers() const override { return infos_; }
    size_t arena_bytes() const override { return arena_bytes_; }
    size_t unshared_activation_bytes() const override { return unshared_bytes_; }
    Status run(const float *input, size_t input_elements, float *output, size_t output_elements,
               bool profile) override;

    // The graph after the passes (FP32 sessions).
    const Graph &graph() const { return g_; }
    // Runs once, handing every activation (the input and each node's output,
    // FP32 sessions) to `observe` as it is computed.
    using Observer = std::function<void(int tensor, const std::vector<float> &values)>;
    Status run_observed(const float *input, size_t input_elements, const Observer &observe);

private:
    template <typename T>
    using Buffer = Halide::Runtime::Buffer<T>;

    Graph g_;
    QuantizedGraph qg_;  // INT8 sessions
    bool int8_ = false;
    bool opencl_ = false;
    bool final_softmax_ = false;  // INT8: the graph's last Softmax runs in FP32 after dequantization
    CompileOptions opt_;
    // The kernels the steps call, found in the registry by (op, family, variant).
    struct Kernels {
        Kernel<kernel_op::gemm_int8> gemm_int8, gemm_int8_asymw;
        Kernel<kernel_op::gemm_fp32> gemm_fp32;
        Kernel<kernel_op::im2col> im2col_int8, im2col_fp32;
        Kernel<kernel_op::conv2d_int8_implicit> conv2d_int8_implicit, conv2d_int8_implicit_asymw;
        Kernel<kernel_op::conv2d_fp32_implicit> conv2d_fp32_implicit;
        Kernel<kernel_op::depthwise_conv2d_int8> depthwise_conv2d_int8, batch_norm_int8;
        Kernel<kernel_op::depthwise_conv2d_fp32> depthwise_conv2d_fp32, batch_norm_fp32;
        Kernel<kernel_op::pool2d> max_pool_int8, average_pool_int8, max_pool_fp32, average_pool_fp32;
        Kernel<kernel_op::global_average_pool> global_average_pool_int8, global_average_pool_fp32;
        Kernel<kernel_op::add_int8> add_int8;
        Kernel<kernel_op::add_fp32> add_fp32;
        Kernel<kernel_op::quantize> quantize;
        Kernel<kernel_op::dequantize> dequantize;
        Kernel<kernel_op::softmax_fp32> softmax_fp32;
    };
    static Status find_kernels(const KernelSet &set, bool arm_dot, Kernels *k);
    Kernels kernels_, cpu_kernels_;
    const Kernels *f_ = &kernels_;          // the kernels the steps call
    const Kernels *cpu_f_ = &cpu_kernels_;  // the host's (input / output conversion)
    std::vector<Value> values_;
    std::map<int, int> value_of_;  // tensor id -> value id
    std::vector<Step> steps_;
    std::vector<LayerInfo> infos_;
    std::deque<Buffer<float>> constants_f32_;  // packed weights, biases (owned)
    std::deque<Buffer<int8_t>> constants_i8_;
    std::deque<Buffer<int32_t>> constants_i32_;
    std::vector<uint8_t> arena_storage_;
    uint8_t *arena_ = nullptr;
    size_t arena_bytes_ = 0, unshared_bytes_ = 0;
    std::vector<int64_t> input_shape_, output_shape_;
    int input_value_ = -1, output_value_ = -1;
    std::vector<float> staging_;  // INT8: the NHWC float input before quantization / the output after

    // --- values and views ---
    // Every view of a value is `rank` dimensions starting `offset` elements
    // into its storage, dimension 0 dense: on the CPU a pointer into the
    // arena, on OpenCL a device crop of the value's allocation.
    int value_for(int tensor) const { return value_of_.at(tensor); }
    Value &val(int tensor) { return values_[value_for(tensor)]; }
    Value &storage_of(Value &v) { return v.alias_of >= 0 ? values_[v.alias_of] : v; }
    int new_value(int tensor, const std::vector<int64_t> &shape, int elem);
    template <typename T>
    Buffer<T> view(Value &v, size_t offset, int rank, halide_dimension_t *d);
    // The same, always over host memory (OpenCL: the host side of the allocation).
    template <typename T>
    Buffer<T> host_view(Value &v, size_t offset, int rank, halide_dimension_t *d);
    // A (channels, width, height, N) window whose origin is stored pixel (x0, y0).
    template <typename T>
    Buffer<T> window(Value &v, int x0, int y0, int width, int height, int channels, bool host = false) {
        const int cs = v.c_alloc;
        halide_dimension_t d[4] = {{0, channels, 1},
                                   {0, width, cs},
                                   {0, height, cs * v.full_w()},
                                   {0, v.n, cs * v.full_w() * v.full_h()}};
        const size_t offset = (size_t(y0) * v.full_w() + x0) * cs;
        return host ? host_view<T>(v, offset, 4, d) : view<T>(v, offset, 4, d);
    }
    template <typename T>
    Buffer<T> full(Value &v, bool host = false) {
        return window<T>(v, 0, 0, v.full_w(), v.full_h(), v.c_alloc, host);
    }
    // Without the border, starting at (0, 0): what producers write.
    template <typename T>
    Buffer<T> interior(Value &v, bool host = false) {
        return window<T>(v, v.border, v.border, v.w, v.h, v.c, host);
    }
    // The input of a kernel that reads padding: its origin `pad` pixels before
    // the image; `channels` of them (the int8 dot products read c_alloc).
    // CPU: a window into the value's border. OpenCL: views must start at the
    // allocation (OpenCL sub-buffers need aligned offsets), so the value is
    // copied (clEnqueueCopyBufferRect) into a padded shadow of exactly this
    // node's padding, whose border was written once at allocation.
    template <typename T>
    Buffer<T> padded_input(int value, int shadow, const Node &n, int channels) {
        Value &v = values_[value];
        if (shadow < 0)
            return window<T>(v, v.border - n.pad_left, v.border - n.pad_top, v.w + v.border + n.pad_left,
                             v.h + v.border + n.pad_top, channels);
        copy_into_shadow(v, values_[shadow], n);
        Value &sv = values_[shadow];
        return window<T>(sv, 0, 0, sv.w, sv.h, channels);
    }
    // OpenCL: the shadow value padded as node n reads `value` (-1 on the CPU).
    int shadow_for(int value, const Node &n);
    void copy_into_shadow(Value &v, Value &shadow, const Node &n);
    // Dense (K, M) matrix: K = stored channels, M = W * H * N (no border).
    template <typename T>
    Buffer<T> matrix(Value &v) {
        halide_dimension_t d[2] = {{0, v.c_alloc, 1}, {0, v.w * v.h * v.n, v.c_alloc}};
        return view<T>(v, 0, 2, d);
    }
    // The (C_out, M) matrix a GEMM writes: rows c_alloc apart (no border).
    template <typename T>
    Buffer<T> output_matrix(Value &v) {
        halide_dimension_t d[2] = {{0, v.c, 1}, {0, v.w * v.h * v.n, v.c_alloc}};
        return view<T>(v, 0, 2, d);
    }
    // One image row of a value as a (channels, W) matrix (for bordered element-wise ops).
    template <typename T>
    Buffer<T> row(Value &v, int img, int r, bool host = false) {
        halide_dimension_t d[2] = {{0, v.c, 1}, {0, v.w, v.c_alloc}};
        const size_t offset = ((size_t(img) * v.full_h() + v.border + r) * v.full_w() + v.border) * v.c_alloc;
        return host ? host_view<T>(v, offset, 2, d) : view<T>(v, offset, 2, d);
    }
    // The unpadded image as im2col reads it: (C_alloc * W, H, N).
    template <typename T>
    Buffer<T> image_rows(Value &v) {
        const int ca = v.c_alloc;
        halide_dimension_t d[3] = {{0, ca * v.w, 1}, {0, v.h, ca * v.full_w()}, {0, v.n, ca * v.full_w() * v.full_h()}};
        return view<T>(v, (size_t(v.border) * v.full_w() + v.border) * ca, 3, d);
    }
    // im2col's operands over a per-step scratch matrix (K, M): the GEMM's lhs,
    // the same memory as im2col's 5-D output (C * KW, KH, OW, OH, N), and the
    // unpadded input image (C * W, H, N).
    template <typename T>
    struct Im2colViews {
        Buffer<T> lhs, cols, in;
    };
    template <typename T>
    Im2colViews<T> im2col_views(int scratch, Value &x, Value &y, int channels, int kh, int kw, int K) {
        const int M = y.w * y.h * y.n;
        halide_dimension_t ld[2] = {{0, K, 1}, {0, M, K}};
        halide_dimension_t vd[5] = {
            {0, channels * kw, 1}, {0, kh, channels * kw}, {0, y.w, K}, {0, y.h, K * y.w}, {0, y.n, K * y.w * y.h}};
        return {view<T>(values_[scratch], 0, 2, ld), view<T>(values_[scratch], 0, 5, vd), image_rows<T>(x)};
    }
    // INT8 weights packed for gemm_int8 (K padded), with the per-channel parameter buffers.
    struct Int8Weights {
        Buffer<int8_t> *rhs;
        Buffer<int32_t> *colsum, *zw, *bias, *mult, *shift;
    };
    Int8Weights pack_int8_weights(const std::vector<int8_t> &w, int k, int n, const QuantizedNode &q);
    template <typename T>
    void fill_border(Value &v, T fill);

    // --- lowering ---
    Status prepare(const Graph &g);  // values, borders, steps, lifetimes, arena
    Status plan_values();
    Status lower_node(const Node &n);
    Status lower_conv(const Node &n, const std::string &op);
    Status lower_depthwise(const Node &n, const std::string &op);
    Status lower_gemm(const Node &n, const std::string &op);
    Status lower_node_int8(size_t index);
    Status lower_conv_int8(const Node &n, const QuantizedNode &q, const std::string &op);
    Status lower_gemm_int8(const Node &n, const QuantizedNode &q, const std::string &op);
    Buffer<float> &constant_f32(std::vector<int> shape);
    Buffer<int8_t> &constant_i8(std::vector<int> shape);
    Buffer<int32_t> &constant_i32(const std::vector<int32_t> &values);
    void add_step(const Node &n, const std::string &op, const std::string &variant, std::function<int()> run);
    std::string conv_method(const Node &n) const;
    Status allocate();
    Status allocate_device();
    void device_finish();  // OpenCL: wait for the queued kernels
    Status run_steps(const float *input, size_t input_elements, bool profile, const Observer *observe);
};

std::string fused_op_name(const Node &n);

}  // namespace mobiq
